{#- Drill step 1 (区域业绩): won contract amounts, one row per approved contract, laid out by
    region × month; the region-month totals are repeated on each row. -#}
with

contracts as (
    select * from {{ ref('stg_crm__contracts') }}
),

customers as (
    select * from {{ ref('stg_crm__customers') }}
),

regions as (
    select * from {{ ref('stg_crm__regions') }}
),

evaluation as (
    select * from {{ ref('int_evaluation_date') }}
),

won as (
    select
        contracts.contract_id,
        contracts.opportunity_id,
        contracts.customer_id,
        contracts.rep_id as owner_rep_id,
        contracts.approved_at,
        contracts.amount_cny as won_amount_cny,
        customers.customer_name,
        customers.region_id,
        regions.region_name,
        cast({{ lm_date_trunc('month', 'contracts.approved_at') }} as date) as month_start,
        {{ year_month('contracts.approved_at') }} as won_month
    from contracts
    inner join customers
        on contracts.customer_id = customers.customer_id
    left join regions
        on customers.region_id = regions.region_id
    where contracts.approval_status = 'approved' and contracts.approved_at is not null
),

final as (
    select
        won.region_id,
        won.region_name,
        won.month_start,
        won.won_month,
        {{ partial_period_columns('won.month_start', 'month') }},
        won.contract_id,
        won.opportunity_id,
        won.customer_id,
        won.customer_name,
        won.owner_rep_id,
        won.approved_at,
        cast(won.won_amount_cny as decimal(38, 2)) as won_amount_cny,
        cast(sum(won.won_amount_cny) over (
            partition by won.region_id, won.month_start
        ) as decimal(38, 2)) as region_month_revenue_cny,
        count(*) over (partition by won.region_id, won.month_start) as region_month_won_count,
        {{ month_label('won.month_start') }} as won_month_label
    from won
    cross join evaluation
)

select * from final
