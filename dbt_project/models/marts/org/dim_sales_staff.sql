with

reps as (
    select * from {{ ref('stg_crm__reps') }}
),

squads as (
    select * from {{ ref('stg_crm__squads') }}
),

regions as (
    select * from {{ ref('stg_crm__regions') }}
),

final as (
    select
        reps.rep_id,
        reps.rep_name,
        reps.rep_role,
        reps.email,
        reps.squad_id,
        squads.squad_name,
        regions.region_name,
        reps.hired_date,
        reps.left_date,
        coalesce(reps.region_id, squads.region_id) as region_id,
        reps.left_date is null as is_active
    from reps
    left join squads
        on reps.squad_id = squads.squad_id
    left join regions
        on coalesce(reps.region_id, squads.region_id) = regions.region_id
)

select * from final
