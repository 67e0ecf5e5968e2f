{#- One row: where the customer-health history starts (it ends on the evaluation day,
    int_evaluation_date).
    first_fact_date   = the earliest day any health source (meetings, documents, social
                        interactions, deliveries) has a fact known on the evaluation day;
    latest_fact_date  = the latest such day (on or before the evaluation day);
    first_evaluated_date = first_fact_date + the longest 30-day-style window (H2, H3) - 1: before
                        it the windows reach back before the data begins and every customer would
                        look red. -#}
with

meetings as (
    select * from {{ ref('stg_meetings__meetings') }}
),

documents as (
    select * from {{ ref('stg_docs__documents_sent') }}
),

interactions as (
    select * from {{ ref('stg_social__interactions') }}
),

deliveries as (
    select * from {{ ref('stg_erp__deliveries') }}
),

rules as (
    {{ rule_parameter_row(['h2_window_days', 'h3_window_days']) }}
),

fact_dates as (
    select cast(start_at as date) as fact_date from meetings
    union all
    select cast(sent_at as date) as fact_date from documents
    union all
    select cast(occurred_at as date) as fact_date from interactions
    union all
    select actual_date as fact_date from deliveries
),

bounds as (
    select
        min(fact_date) as first_fact_date,
        max(fact_date) as latest_fact_date
    from fact_dates
),

final as (
    select
        bounds.first_fact_date,
        bounds.latest_fact_date,
        {{ add_days(
            'bounds.first_fact_date',
            'case when rules.h2_window_days > rules.h3_window_days
                then rules.h2_window_days else rules.h3_window_days end - 1'
        ) }} as first_evaluated_date
    from bounds
    cross join rules
)

select * from final
