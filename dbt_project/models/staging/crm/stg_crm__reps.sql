with

source as (
    select * from {{ source('crm', 'reps') }}
),

latest as (
    {{ keep_latest('source', 'rep_id') }}
),

final as (
    select
        rep_id,
        rep_name,
        role as rep_role,
        squad_id,
        region_id,
        email,
        hired_date,
        left_date
    from latest
)

select * from final
