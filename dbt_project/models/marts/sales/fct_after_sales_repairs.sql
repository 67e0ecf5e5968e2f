with

sales_logs as (
    -- the incremental per-log table, not the staging view: no dedup of every raw log per run
    select * from {{ ref('int_sales_logs_checked') }}
),

repairs as (
    select * from {{ ref('stg_erp__repairs') }}
),

settings as (
    select {{ rule_parameter('after_sales_repair_records') }} as repair_count
),

ranked as (
    select
        sales_logs.log_id,
        sales_logs.customer_id,
        sales_logs.rep_id,
        sales_logs.log_at,
        repairs.repair_id,
        repairs.product_model,
        repairs.serial_no,
        repairs.reported_at,
        repairs.completed_at,
        repairs.fault_description,
        repairs.resolution,
        row_number() over (
            partition by sales_logs.log_id
            order by repairs.reported_at desc, repairs.repair_id desc
        ) as repair_rank
    from sales_logs
    inner join repairs
        on
            sales_logs.customer_id = repairs.customer_id
            and sales_logs.log_at >= repairs.reported_at
    where sales_logs.template_code = 'after_sales'
),

final as (
    select
        ranked.log_id,
        ranked.customer_id,
        ranked.rep_id,
        ranked.log_at,
        cast(ranked.repair_rank as bigint) as repair_rank,
        ranked.repair_id,
        ranked.product_model,
        ranked.serial_no,
        ranked.reported_at,
        ranked.completed_at,
        ranked.fault_description,
        ranked.resolution
    from ranked
    cross join settings
    where ranked.repair_rank <= settings.repair_count
)

select * from final
