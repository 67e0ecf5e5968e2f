{#- Quote events from WeCom chat (聊天报价事件): rep messages with an amount and a model, matched to
    the customer's opportunity open at the time, or proposed as a candidate opportunity. -#}
with

extracted as (
    select * from {{ ref('stg_extract__wecom_quotes') }}
),

messages as (
    select * from {{ ref('int_wecom_messages_resolved') }}
),

opportunities as (
    select * from {{ ref('stg_crm__opportunities') }}
),

customers as (
    select * from {{ ref('stg_crm__customers') }}
),

quotes as (
    select
        extracted.message_id,
        extracted.amount_cny,
        extracted.amount_text,
        extracted.product_model,
        extracted.delivery_days,
        extracted.delivery_text,
        extracted.extractor_version,
        messages.rep_id,
        messages.contact_id,
        messages.customer_id,
        messages.sent_at,
        messages.sent_date
    from extracted
    inner join messages
        on extracted.message_id = messages.message_id
    where extracted.is_quote and messages.is_sent_by_rep
),

open_matches as (
    select
        quotes.message_id,
        opportunities.opportunity_id,
        coalesce(opportunities.product_model = quotes.product_model, false) as is_model_match,
        row_number() over (
            partition by quotes.message_id
            order by
                case when opportunities.product_model = quotes.product_model then 0 else 1 end,
                opportunities.created_at desc,
                opportunities.opportunity_id desc
        ) as match_rank
    from quotes
    inner join opportunities
        on
            quotes.customer_id = opportunities.customer_id
            and quotes.sent_at >= opportunities.created_at
            and (opportunities.closed_at is null or quotes.sent_at <= opportunities.closed_at)
),

final as (
    select
        quotes.message_id,
        quotes.extractor_version,
        quotes.sent_at,
        quotes.sent_date,
        quotes.rep_id,
        quotes.contact_id,
        quotes.customer_id,
        customers.region_id,
        cast(quotes.amount_cny as decimal(38, 2)) as amount_cny,
        quotes.amount_text,
        quotes.product_model,
        cast(quotes.delivery_days as bigint) as delivery_days,
        quotes.delivery_text,
        open_matches.opportunity_id,
        coalesce(open_matches.is_model_match, false) as is_model_match,
        case
            when open_matches.opportunity_id is not null then 'matched'
            when quotes.customer_id is not null then 'candidate'
            else 'unknown_customer'
        end as match_status,
        case
            when open_matches.opportunity_id is null and quotes.customer_id is not null
                then concat(concat(quotes.customer_id, '|'), quotes.product_model)
        end as candidate_opportunity_key
    from quotes
    left join open_matches
        on
            quotes.message_id = open_matches.message_id
            and open_matches.match_rank = 1
    left join customers
        on quotes.customer_id = customers.customer_id
)

select * from final
