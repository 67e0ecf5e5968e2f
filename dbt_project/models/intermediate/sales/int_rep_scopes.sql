{#- Every rep's reporting scopes: the company, its region, its squad (reps outside a squad have
    only the company and region scopes) and the rep alone (each rep's own metrics against the
    targets). Metrics are attributed to the accountable rep's scopes. -#}
with

reps as (
    select * from {{ ref('stg_crm__reps') }}
),

squads as (
    select * from {{ ref('stg_crm__squads') }}
),

reps_placed as (
    select
        reps.rep_id,
        reps.squad_id,
        coalesce(squads.region_id, reps.region_id) as region_id
    from reps
    left join squads
        on reps.squad_id = squads.squad_id
),

final as (
    select
        rep_id,
        'company' as scope_type,
        'ALL' as scope_id
    from reps_placed
    union all
    select
        rep_id,
        'region' as scope_type,
        region_id as scope_id
    from reps_placed
    where region_id is not null
    union all
    select
        rep_id,
        'squad' as scope_type,
        squad_id as scope_id
    from reps_placed
    where squad_id is not null
    union all
    select
        rep_id,
        'rep' as scope_type,
        rep_id as scope_id
    from reps_placed
)

select * from final
