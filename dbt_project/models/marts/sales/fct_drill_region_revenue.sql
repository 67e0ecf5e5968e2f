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
        region_id,
        region_name,
        month_start,
        won_month,
        contract_id,
        opportunity_id,
        customer_id,
        customer_name,
        owner_rep_id,
        approved_at,
        won_amount_cny,
        sum(won_amount_cny) over (
            partition by region_id, month_start
        ) as region_month_revenue_cny,
        count(*) over (partition by region_id, month_start) as region_month_won_count,
        {{ month_label('month_start') }} as won_month_label
    from won
)

select * from final
