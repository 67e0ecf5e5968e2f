with

messages as (
    select * from {{ ref('int_wecom_messages_keyed') }}
),

contacts as (
    select * from {{ ref('stg_crm__contacts') }}
),

contacts_by_key as (
    select
        wecom_contact_key,
        min(contact_id) as contact_id,
        min(customer_id) as customer_id
    from contacts
    where wecom_contact_key is not null
    group by wecom_contact_key
),

final as (
    select
        messages.message_id,
        messages.rep_id,
        messages.is_sent_by_rep,
        messages.wecom_contact_key,
        contacts_by_key.contact_id,
        contacts_by_key.customer_id,
        messages.sent_at,
        messages.sent_date,
        messages.message_type,
        messages.content
    from messages
    left join contacts_by_key
        on messages.wecom_contact_key = contacts_by_key.wecom_contact_key
)

select * from final
