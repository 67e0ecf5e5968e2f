{#- The calendar months (periods) the sales metrics are reported on: from the month of the first
    opportunity to the evaluation day's month (month to date), taken from the project's one date
    spine (macros/date_spine.sql). -#}
with

opportunities as (
    select * from {{ ref('stg_crm__opportunities') }}
),

evaluation as (
    select * from {{ ref('int_evaluation_date') }}
),

bounds as (
    select
        {{ month_start('min(opportunities.created_at)') }} as first_month_start,
        evaluation.evaluation_date
    from opportunities
    cross join evaluation
    group by evaluation.evaluation_date
),

spine as (
    {{ lm_date_spine('bounds', 'bounds.first_month_start', 'bounds.evaluation_date') }}
),

months as (
    select distinct {{ month_start('spine.date_day') }} as month_start
    from spine
),

final as (
    select
        months.month_start,
        cast({{ lm_dateadd('month', 1, 'months.month_start') }} as date) as next_month_start
    from months
)

select * from final
