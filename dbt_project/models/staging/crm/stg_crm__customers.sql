with

source as (
    select * from {{ source('crm', 'customers') }}
),

latest as (
    {{ keep_latest('source', 'customer_id') }}
),

final as (
    select
        customer_id,
        customer_name,
        industry,
        region_id,
        level as customer_level,
        annual_purchase_cny,
        -- churned after the evaluation day: still active on it
        case
            when not {{ is_known_on_evaluation_date('churned_date') }} then 'active'
            else status
        end as customer_status,
        created_date,
        {{ as_known_on_evaluation_date('churned_date') }} as churned_date,
        owner_rep_id,
        city,
        payment_terms_days,
        _source_file
    from latest
)

select * from final
