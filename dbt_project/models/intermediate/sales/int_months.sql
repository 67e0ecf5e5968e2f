{#- The calendar months (periods) the sales metrics are reported on: from the month of the first
    opportunity to the evaluation day's month (month to date). -#}
with

opportunities as (
    select * from {{ ref('stg_crm__opportunities') }}
),

spine as (
    {{ sales_month_spine(ref('stg_crm__opportunities')) }}
),

final as (
    select
        cast(spine.date_month as date) as month_start,
        cast({{ lm_dateadd('month', 1, 'spine.date_month') }} as date) as next_month_start
    from spine
    where exists (select 1 from opportunities)
)

select * from final
