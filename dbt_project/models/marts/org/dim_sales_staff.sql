{#- The sales organisation (销售组织), one row per person on the roster. `is_active` is evaluated on
    the evaluation day of the marts (int_evaluation_date): hired on or before it and not left
    on or before it, so a leaving day still ahead keeps the person active until then. -#}
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

evaluation as (
    select * from {{ ref('int_evaluation_date') }}
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
        evaluation.evaluation_date as active_as_of_date,
        {{ is_active_on('reps.hired_date', 'reps.left_date', 'evaluation.evaluation_date') }}
            as is_active
    from reps
    cross join evaluation
    left join squads
        on reps.squad_id = squads.squad_id
    left join regions
        on coalesce(reps.region_id, squads.region_id) = regions.region_id
)

select * from final
