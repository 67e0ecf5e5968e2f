{#- The per-message work on WeCom's archive (a large fact), built incrementally: which side is the
    rep, and the keyed hash of the external side. A run adds the messages loaded since the last
    build (a re-exported message replaces its earlier version; one no longer in any landing file
    is deleted); a full rebuild gives the same rows. Resolving the hash to a contact and customer
    stays in int_wecom_messages_resolved, a view, so a contact added to the CRM later resolves
    every message of that contact in the next run. -#}
{{ config(
    materialized='incremental',
    unique_key='message_id',
    incremental_strategy=lm_incremental_strategy(),
    partition_by=lm_incremental_partition_by('sent_date'),
    on_schema_change='fail',
    post_hook="{{ delete_stale_rows(
        'message_id', ref('stg_wecom__messages'), current_ingested_at='_ingested_at'
    ) }}"
) }}

with

messages as (
    select * from {{ ref('stg_wecom__messages') }}
    where {{ loaded_since_last_build('_ingested_at', dated_column='sent_at') }}
),

reps as (
    select * from {{ ref('stg_crm__reps') }}
),

sides as (
    select
        messages.message_id,
        messages.sent_at,
        messages.message_type,
        messages.content,
        messages.from_id,
        messages._ingested_at as ingested_at,
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
        ingested_at,
        is_sent_by_rep,
        case when is_sent_by_rep then from_id else first_receiver_id end as rep_id,
        case when is_sent_by_rep then first_receiver_id else from_id end as external_user_id
    from sides
),

final as (
    select
        message_id,
        rep_id,
        is_sent_by_rep,
        {{ pii_hash('external_user_id') }} as wecom_contact_key,
        sent_at,
        cast(sent_at as date) as sent_date,
        message_type,
        content,
        ingested_at
    from keyed
)

select * from final
