{#- Heat map (拜访热力图): region × template × week log counts, and on the first-visit row the
    first-visit → demo conversion with a Wilson interval against the region's rate. -#}
with

sales_logs as (
    -- the incremental per-log table, not the staging view: no dedup of every raw log per run
    select * from {{ ref('int_sales_logs_checked') }}
),

customers as (
    select * from {{ ref('stg_crm__customers') }}
),

regions as (
    select * from {{ ref('stg_crm__regions') }}
),

templates as (
    select * from {{ ref('sales_log_templates') }}
),

evaluation as (
    select * from {{ ref('int_evaluation_date') }}
),

logs as (
    select
        sales_logs.log_id,
        sales_logs.customer_id,
        sales_logs.rep_id,
        sales_logs.template_code,
        sales_logs.log_at,
        customers.region_id,
        cast({{ lm_date_trunc('week', 'sales_logs.log_at') }} as date) as week_start
    from sales_logs
    inner join customers
        on sales_logs.customer_id = customers.customer_id
    where sales_logs.log_at is not null and sales_logs.template_code is not null
),

log_counts as (
    select
        region_id,
        template_code,
        week_start,
        count(*) as log_count,
        count(distinct customer_id) as customer_count,
        count(distinct rep_id) as rep_count
    from logs
    group by region_id, template_code, week_start
),

-- a customer's earliest first visit in the week starts its conversion window
first_visits as (
    select
        region_id,
        week_start,
        customer_id,
        min(log_at) as first_visit_at
    from logs
    where template_code = 'first_visit'
    group by region_id, week_start, customer_id
),

conversions as (
    select
        first_visits.region_id,
        first_visits.week_start,
        first_visits.customer_id,
        max(
            case
                when
                    demos.log_id is not null
                    and {{ lm_datediff('first_visits.first_visit_at', 'demos.log_at', 'day') }}
                    <= {{ rule_parameter('demo_conversion_window_days') }}
                    then 1
                else 0
            end
        ) as is_converted
    from first_visits
    left join logs as demos
        on
            first_visits.customer_id = demos.customer_id
            and demos.template_code = 'solution_demo'
            and first_visits.first_visit_at <= demos.log_at
    group by first_visits.region_id, first_visits.week_start, first_visits.customer_id
),

conversion_cells as (
    select
        conversions.region_id,
        conversions.week_start,
        count(*) as first_visit_count,
        cast(sum(conversions.is_converted) as bigint) as converted_count,
        max(
            case
                when
                    {{ lm_datediff('conversions.week_start', 'evaluation.evaluation_date', 'day') }}
                    >= 6 + {{ rule_parameter('demo_conversion_window_days') }}
                    then 1
                else 0
            end
        ) = 1 as is_window_complete
    from conversions
    cross join evaluation
    group by conversions.region_id, conversions.week_start
),

region_rates as (
    select
        region_id,
        {{ lm_ratio('sum(converted_count)', 'sum(first_visit_count)') }} as region_conversion_rate
    from conversion_cells
    where is_window_complete
    group by region_id
),

wilson as (
    select
        conversion_cells.region_id,
        conversion_cells.week_start,
        conversion_cells.first_visit_count,
        conversion_cells.converted_count,
        conversion_cells.is_window_complete,
        {{ lm_ratio('conversion_cells.converted_count', 'conversion_cells.first_visit_count') }}
            as conversion_rate,
        {{ rule_parameter('heat_map_wilson_z') }} as wilson_z
    from conversion_cells
),

bounded as (
    select
        wilson.*,
        (
            wilson.conversion_rate
            + wilson.wilson_z * wilson.wilson_z / (2.0 * wilson.first_visit_count)
            + wilson.wilson_z * sqrt(
                wilson.conversion_rate * (1 - wilson.conversion_rate) / wilson.first_visit_count
                + wilson.wilson_z * wilson.wilson_z
                / (4.0 * wilson.first_visit_count * wilson.first_visit_count)
            )
        )
        / (1 + wilson.wilson_z * wilson.wilson_z / wilson.first_visit_count) as wilson_upper_bound
    from wilson
),

final as (
    select
        log_counts.region_id,
        regions.region_name,
        log_counts.template_code,
        coalesce(templates.template_name, log_counts.template_code) as template_name,
        log_counts.week_start,
        {{ partial_period_columns('log_counts.week_start', 'week') }},
        log_counts.log_count,
        log_counts.customer_count,
        log_counts.rep_count,
        bounded.first_visit_count,
        bounded.converted_count,
        bounded.conversion_rate,
        bounded.wilson_upper_bound,
        region_rates.region_conversion_rate,
        bounded.is_window_complete,
        coalesce(
            bounded.is_window_complete
            and bounded.first_visit_count >= {{ rule_parameter('heat_map_min_first_visits') }}
            and bounded.wilson_upper_bound < region_rates.region_conversion_rate,
            false
        ) as is_flagged_low_conversion,
        {{ week_label('log_counts.week_start') }} as week_label,
        cast(
            floor(
                {{ lm_datediff('log_counts.week_start', 'evaluation.evaluation_date', 'day') }} / 7  -- noqa: LT05
            )
            as bigint
        ) as weeks_before_as_of,
        {{ code_label('yes_no', 'bounded.is_window_complete', empty='否') }}
            as is_window_complete_name,
        {{ code_label('yes_no', 'coalesce(
            bounded.is_window_complete
            and bounded.first_visit_count >= ' ~ rule_parameter('heat_map_min_first_visits') ~ '
            and bounded.wilson_upper_bound < region_rates.region_conversion_rate,
            false
        )') }} as is_flagged_low_conversion_name
    from log_counts
    cross join evaluation
    left join regions
        on log_counts.region_id = regions.region_id
    left join templates
        on log_counts.template_code = templates.template_code
    left join bounded
        on
            log_counts.region_id = bounded.region_id
            and log_counts.week_start = bounded.week_start
            and log_counts.template_code = 'first_visit'
    left join region_rates
        on
            log_counts.region_id = region_rates.region_id
            and log_counts.template_code = 'first_visit'
)

select * from final
