with

messages as (
    select * from {{ ref('stg_wecom__messages') }}
),

reps as (
    select * from {{ ref('stg_crm__reps') }}
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

sides as (
    select
        messages.message_id,
        messages.sent_at,
        messages.message_type,
        messages.content,
        messages.from_id,
        {{ json_array_first('messages.tolist') }} as first_receiver_id,
        sender_reps.rep_id is not null as is_sent_by_rep
    from messages
    left join reps as sender_reps
        on messages.from_id = sender_reps.rep_id
),

keyed as (
    select
        message_id,
        sent_at,
        message_type,
        content,
        is_sent_by_rep,
        case when is_sent_by_rep then from_id else first_receiver_id end as rep_id,
        case when is_sent_by_rep then first_receiver_id else from_id end as external_user_id
    from sides
),

hashed as (
    select
        message_id,
        sent_at,
        message_type,
        content,
        is_sent_by_rep,
        rep_id,
        {{ pii_hash('external_user_id') }} as wecom_contact_key
    from keyed
),

final as (
    select
        keyed.message_id,
        keyed.rep_id,
        keyed.is_sent_by_rep,
        keyed.wecom_contact_key,
        contacts_by_key.contact_id,
        contacts_by_key.customer_id,
        keyed.sent_at,
        cast(keyed.sent_at as date) as sent_date,
        keyed.message_type,
        keyed.content
    from hashed as keyed
    left join contacts_by_key
        on keyed.wecom_contact_key = contacts_by_key.wecom_contact_key
)

select * from final
