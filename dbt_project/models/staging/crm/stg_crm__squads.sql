with

source as (
    select * from {{ source('crm', 'squads') }}
),

latest as (
    {{ keep_latest('source', 'squad_id') }}
),

final as (
    select
        squad_id,
        squad_name,
        region_id,
        _source_file
    from latest
)

select * from final
