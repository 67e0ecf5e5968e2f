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
        region_name
    from latest
)

select * from final
