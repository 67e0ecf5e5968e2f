{#- Response agility (响应敏捷度), one of the three validation metrics: per scope (company, region,
    squad, rep) and month of lead creation, the median minutes from a lead's creation to its first
    response, untouched leads counted as +∞ (never dropped). One row per scope and month with
    leads; fct_sales_validation_metrics fills the months without. -#}
with

months as (
    select * from {{ ref('int_months') }}
),

rep_scopes as (
    select * from {{ ref('int_rep_scopes') }}
),

leads as (
    select * from {{ ref('int_leads_responded') }}
),

-- an opportunity created after the evaluation day is not there yet
opportunities as (
    select * from {{ ref('stg_crm__opportunities') }}
    where {{ is_known_on_evaluation_date('created_at') }}
),

settings as (
    select {{ rule_parameter('lead_response_target_minutes') }} as response_target_minutes
),

converted_leads as (
    select distinct lead_id from opportunities
    where lead_id is not null
),

-- leads: ordered by response minutes, untouched (+∞) last
scoped_leads as (
    select
        months.month_start,
        rep_scopes.scope_type,
        rep_scopes.scope_id,
        leads.lead_id,
        leads.response_minutes,
        row_number() over (
            partition by months.month_start, rep_scopes.scope_type, rep_scopes.scope_id
            order by
                case when leads.response_minutes is null then 1 else 0 end,
                leads.response_minutes,
                leads.lead_id
        ) as response_rank,
        count(*) over (
            partition by months.month_start, rep_scopes.scope_type, rep_scopes.scope_id
        ) as lead_count
    from leads
    inner join months
        on
            leads.created_at >= months.month_start
            and leads.created_at < months.next_month_start
    inner join rep_scopes
        on leads.follow_up_rep_id = rep_scopes.rep_id
),

-- the median's one or two middle ranks: (n + 1) / 2 rounded down and up
ranked_leads as (
    select
        *,
        response_rank in (floor((lead_count + 1) / 2.0), ceiling((lead_count + 1) / 2.0))
            as is_median_rank
    from scoped_leads
),

aggregated as (
    select
        ranked_leads.month_start,
        ranked_leads.scope_type,
        ranked_leads.scope_id,
        max(ranked_leads.lead_count) as lead_count,
        sum(case when ranked_leads.response_minutes is null then 1 else 0 end)
            as untouched_lead_count,
        sum(
            case
                when ranked_leads.is_median_rank and ranked_leads.response_minutes is null
                    then 1
                else 0
            end
        ) as untouched_median_rank_count,
        avg(case when ranked_leads.is_median_rank then ranked_leads.response_minutes end)
            as median_rank_mean_minutes,
        -- P95 by the nearest-rank method; +∞ (null) when that lead is untouched
        max(
            case
                when ranked_leads.response_rank = ceiling(0.95 * ranked_leads.lead_count)
                    then ranked_leads.response_minutes
            end
        ) as p95_response_minutes,
        {{ lm_ratio(
            'sum(case when ranked_leads.response_minutes <= settings.response_target_minutes'
            ~ ' then 1 else 0 end)',
            'count(*)'
        ) }} as share_within_target,
        {{ lm_ratio(
            'sum(case when converted_leads.lead_id is not null then 1 else 0 end)', 'count(*)'
        ) }} as lead_conversion_rate
    from ranked_leads
    cross join settings
    left join converted_leads
        on ranked_leads.lead_id = converted_leads.lead_id
    group by ranked_leads.month_start, ranked_leads.scope_type, ranked_leads.scope_id
),

final as (
    select
        month_start,
        scope_type,
        scope_id,
        lead_count,
        untouched_lead_count,
        p95_response_minutes,
        share_within_target,
        lead_conversion_rate,
        -- median: mean of the middle one or two ranks; +∞ (null) when a middle lead is untouched
        case
            when untouched_median_rank_count = 0 then median_rank_mean_minutes
        end as median_response_minutes,
        untouched_median_rank_count > 0 as is_median_infinite
    from aggregated
)

select * from final
