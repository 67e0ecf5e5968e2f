{#- Customer dimension (客户维度), one row per customer created on or before the evaluation day,
    with its owner, squad, region, level and the key-customer (重点客户) evaluation as of the
    evaluation day. -#}
with

customers as (
    select * from {{ ref('stg_crm__customers') }}
    where {{ is_known_on_evaluation_date('created_date') }}
),

ownership_periods as (
    select * from {{ ref('int_customer_ownership_periods') }}
),

-- the owner's name and squad as the sales organisation dimension has them
sales_staff as (
    select * from {{ ref('dim_sales_staff') }}
),

regions as (
    select * from {{ ref('stg_crm__regions') }}
),

orders as (
    select * from {{ ref('stg_erp__orders') }}
),

-- the decision chain as the CRM knew it on the evaluation day
contacts as (
    select * from {{ ref('stg_crm__contacts') }}
    where {{ is_known_on_evaluation_date('created_at') }}
),

decision_roles as (
    select * from {{ ref('decision_roles') }}
),

key_industries as (
    select * from {{ ref('key_industries') }}
),

evaluation as (
    select * from {{ ref('int_evaluation_date') }}
),

rules as (
    {{ rule_parameter_row([
        'key_customer_min_purchase_cny', 'key_customer_purchase_window_days',
        'key_customer_min_chain_completeness'
    ]) }}
),

-- the owner at the end of the evaluation day from the ownership history (a leaver's customer: the
-- acting squad lead, or nobody = 待分配); the CRM's owner field when the history has none
current_owners as (
    select
        ownership_periods.customer_id,
        ownership_periods.rep_id,
        ownership_periods.assignment_status
    from ownership_periods
    cross join evaluation
    where {{ holds_at_end_of_day('ownership_periods', 'evaluation.evaluation_date') }}
),

trailing_purchases as (
    select
        orders.customer_id,
        sum(orders.amount_cny) as purchase_cny
    from orders
    cross join evaluation
    cross join rules
    where
        orders.order_date <= evaluation.evaluation_date
        and orders.order_date > {{ add_days(
            'evaluation.evaluation_date', '0 - rules.key_customer_purchase_window_days'
        ) }}
    group by orders.customer_id
),

role_count as (
    select count(*) as required_roles from decision_roles
),

chain_roles as (
    select
        contacts.customer_id,
        count(distinct contacts.role_code) as covered_roles
    from contacts
    inner join decision_roles
        on contacts.role_code = decision_roles.role_code
    group by contacts.customer_id
),

evaluated as (
    select
        customers.customer_id,
        customers.customer_name,
        customers.industry,
        customers.city,
        customers.region_id,
        regions.region_name,
        customers.customer_level,
        customers.customer_status,
        customers.created_date,
        customers.churned_date,
        customers.payment_terms_days,
        cast(coalesce(trailing_purchases.purchase_cny, 0) as decimal(38, 2))
            as trailing_purchase_cny,
        cast(
            {{ lm_ratio('coalesce(chain_roles.covered_roles, 0)', 'role_count.required_roles') }}
            as decimal(5, 4)
        ) as decision_chain_completeness,
        rules.key_customer_min_purchase_cny,
        rules.key_customer_purchase_window_days,
        rules.key_customer_min_chain_completeness,
        evaluation.evaluation_date as key_customer_as_of_date,
        case
            when current_owners.customer_id is not null then current_owners.rep_id
            else customers.owner_rep_id
        end as owner_rep_id,
        coalesce(current_owners.assignment_status, 'assigned') as owner_assignment_status,
        key_industries.industry is not null as is_key_industry
    from customers
    cross join evaluation
    cross join rules
    cross join role_count
    left join regions
        on customers.region_id = regions.region_id
    left join current_owners
        on customers.customer_id = current_owners.customer_id
    left join key_industries
        on customers.industry = key_industries.industry
    left join trailing_purchases
        on customers.customer_id = trailing_purchases.customer_id
    left join chain_roles
        on customers.customer_id = chain_roles.customer_id
),

flagged as (
    select
        evaluated.*,
        evaluated.trailing_purchase_cny >= evaluated.key_customer_min_purchase_cny
            as meets_purchase,
        evaluated.decision_chain_completeness
        >= cast(evaluated.key_customer_min_chain_completeness as decimal(5, 4))
            as meets_chain
    from evaluated
),

final as (
    select
        flagged.customer_id,
        flagged.customer_name,
        flagged.industry,
        flagged.city,
        flagged.region_id,
        flagged.region_name,
        flagged.owner_rep_id,
        flagged.owner_assignment_status,
        sales_staff.rep_name as owner_rep_name,
        sales_staff.squad_id as owner_squad_id,
        sales_staff.squad_name as owner_squad_name,
        flagged.customer_level,
        flagged.customer_status,
        flagged.created_date,
        flagged.churned_date,
        flagged.payment_terms_days,
        flagged.is_key_industry,
        flagged.trailing_purchase_cny,
        flagged.decision_chain_completeness,
        flagged.key_customer_as_of_date,
        flagged.is_key_industry and flagged.meets_purchase and flagged.meets_chain
            as is_key_customer,
        concat(
            concat(
                case when flagged.is_key_industry then '重点行业✓' else '非重点行业✗' end,
                concat(
                    concat(
                        '；近',
                        cast(
                            cast(flagged.key_customer_purchase_window_days as integer)
                            as {{ lm_type_string() }}
                        )
                    ),
                    case
                        when flagged.meets_purchase then '天采购额达标✓'
                        else '天采购额不足✗'
                    end
                )
            ),
            case
                when flagged.meets_chain then '；决策链完整度达标✓'
                else '；决策链完整度不足✗'
            end
        ) as key_customer_reasons,
        {{ code_label('assignment_status', 'flagged.owner_assignment_status') }}
            as owner_assignment_status_name,
        {{ code_label('customer_status', 'flagged.customer_status') }} as customer_status_name,
        {{ code_label(
            'yes_no', 'flagged.is_key_industry and flagged.meets_purchase and flagged.meets_chain'
        ) }} as is_key_customer_name,
        coalesce(
            sales_staff.rep_name,
            {{ code_label('assignment_status', 'flagged.owner_assignment_status') }}
        ) as owner_display_name
    from flagged
    left join sales_staff
        on flagged.owner_rep_id = sales_staff.rep_id
)

select * from final
