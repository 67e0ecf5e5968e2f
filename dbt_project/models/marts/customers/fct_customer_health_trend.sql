{#- The customer-health trend the managers' board draws (客户健康状态趋势): customers per day and
    health status, with the status's board name and order (code_labels). Pre-aggregated from
    fct_customer_health_daily, so the board reads one small table. -#}
with

health as (
    select * from {{ ref('fct_customer_health_daily') }}
),

counted as (
    select
        health_date,
        health_status,
        count(*) as customer_count
    from health
    group by health_date, health_status
),

final as (
    select
        health_date,
        health_status,
        {{ code_label('health_status', 'health_status') }} as health_status_name,
        customer_count
    from counted
)

select * from final
