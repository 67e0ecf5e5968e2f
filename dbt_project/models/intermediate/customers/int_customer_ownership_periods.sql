{#- Who owned each customer when (客户归属区间): one row per assignment or handover, from its
    time to the next change of the same customer (open-ended for the current owner). -#}
with

ownership_changes as (
    select * from {{ ref('stg_crm__ownership_changes') }}
),

ordered as (
    select
        record_id,
        customer_id,
        to_rep_id as rep_id,
        from_rep_id as previous_rep_id,
        change_reason,
        changed_at as valid_from,
        lead(changed_at) over (
            partition by customer_id order by changed_at, record_id
        ) as valid_to,
        lead(record_id) over (
            partition by customer_id order by changed_at, record_id
        ) as ended_by_record_id
    from ownership_changes
),

final as (
    select
        record_id,
        customer_id,
        rep_id,
        previous_rep_id,
        change_reason,
        valid_from,
        valid_to,
        ended_by_record_id
    from ordered
)

select * from final
