{#- Who leads each squad when (小队长在任区间): one row per stretch of time with the same acting
    squad lead. The acting lead is the squad's active squad_lead (hired on or before, not yet left)
    hired first, then the lowest rep id; empty while none is active. Stretches change only on a
    squad lead's hired or left day, at 00:00 local time. -#}
with

reps as (
    select * from {{ ref('stg_crm__reps') }}
),

squads as (
    select * from {{ ref('stg_crm__squads') }}
),

squad_leads as (
    select
        rep_id,
        squad_id,
        hired_date,
        left_date
    from reps
    where rep_role = 'squad_lead' and squad_id is not null
),

boundary_dates as (
    select
        squad_id,
        hired_date as boundary_date
    from squad_leads
    where hired_date is not null
    union
    select
        squad_id,
        left_date as boundary_date
    from squad_leads
    where left_date is not null
),

-- the stretches between boundaries; the first one has no start (since always)
stretches as (
    select
        squad_id,
        boundary_date as valid_from_date,
        lead(boundary_date) over (partition by squad_id order by boundary_date) as valid_to_date
    from boundary_dates
    union all
    select
        squads.squad_id,
        cast(null as date) as valid_from_date,
        min(boundary_dates.boundary_date) as valid_to_date
    from squads
    left join boundary_dates
        on squads.squad_id = boundary_dates.squad_id
    group by squads.squad_id
),

candidates as (
    select
        stretches.squad_id,
        stretches.valid_from_date,
        stretches.valid_to_date,
        squad_leads.rep_id,
        row_number() over (
            partition by stretches.squad_id, stretches.valid_from_date
            order by
                case when squad_leads.hired_date is null then 0 else 1 end,
                squad_leads.hired_date,
                squad_leads.rep_id
        ) as candidate_rank
    from stretches
    left join squad_leads
        on
            stretches.squad_id = squad_leads.squad_id
            and (
                squad_leads.hired_date is null
                or stretches.valid_from_date >= squad_leads.hired_date
            )
            and (
                squad_leads.left_date is null
                or stretches.valid_from_date is null
                or stretches.valid_from_date < squad_leads.left_date
            )
),

acting as (
    select
        squad_id,
        valid_from_date,
        valid_to_date,
        rep_id as squad_lead_rep_id,
        case
            when
                coalesce(
                    lag(rep_id) over (
                        partition by squad_id
                        order by
                            case when valid_from_date is null then 0 else 1 end,
                            valid_from_date
                    ),
                    ''
                )
                = coalesce(rep_id, '')
                and valid_from_date is not null
                then 0
            else 1
        end as is_new_lead
    from candidates
    where candidate_rank = 1
),

numbered as (
    select
        acting.*,
        sum(acting.is_new_lead) over (
            partition by acting.squad_id
            order by
                case when acting.valid_from_date is null then 0 else 1 end,
                acting.valid_from_date
            rows between unbounded preceding and current row
        ) as period_number
    from acting
),

merged as (
    select
        squad_id,
        period_number,
        max(squad_lead_rep_id) as squad_lead_rep_id,
        case
            when count(*) > count(valid_from_date) then null else min(valid_from_date)
        end as valid_from_date,
        case when count(*) > count(valid_to_date) then null else max(valid_to_date) end
            as valid_to_date
    from numbered
    group by squad_id, period_number
),

final as (
    select
        merged.squad_id,
        merged.period_number,
        merged.squad_lead_rep_id,
        cast(merged.valid_from_date as timestamp) as valid_from,
        cast(merged.valid_to_date as timestamp) as valid_to,
        case
            when merged.valid_to_date is null then null
            when squad_leads.left_date = merged.valid_to_date then 'left'
            else 'reassigned'
        end as end_reason
    from merged
    left join squad_leads
        on merged.squad_lead_rep_id = squad_leads.rep_id
)

select * from final
