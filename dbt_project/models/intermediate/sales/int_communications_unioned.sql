with

sales_logs as (
    select * from {{ ref('stg_crm__sales_logs') }}
),

messages as (
    select * from {{ ref('int_wecom_messages_resolved') }}
),

log_communications as (
    select
        log_id as communication_id,
        'sales_log' as channel,
        template_code,
        rep_id,
        customer_id,
        contact_id,
        opportunity_id,
        log_at as communicated_at,
        true as is_rep_initiated,
        {{ sales_log_text() }} as communication_text
    from sales_logs
),

message_communications as (
    select
        message_id as communication_id,
        case message_type
            when 'voip' then 'wecom_call'
            when 'file' then 'wecom_file'
            else 'wecom_text'
        end as channel,
        cast(null as {{ lm_type_string() }}) as template_code,
        rep_id,
        customer_id,
        contact_id,
        cast(null as {{ lm_type_string() }}) as opportunity_id,
        sent_at as communicated_at,
        is_sent_by_rep as is_rep_initiated,
        coalesce(content, '') as communication_text
    from messages
    where customer_id is not null
),

final as (
    select * from log_communications
    union all
    select * from message_communications
)

select * from final
