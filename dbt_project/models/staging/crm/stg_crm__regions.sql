with

source as (
    select * from {{ source('crm', 'regions') }}
),

latest as (
    {{ keep_latest('source', 'region_id') }}
),

final as (
    select
        region_id,
        region_name,
        _source_file
    from latest
)

select * from final
