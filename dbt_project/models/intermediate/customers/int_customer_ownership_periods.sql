{#- Who owned each customer when (客户归属区间): the CRM's ownership history (an assignment or
    handover runs to the next change of the same customer), with the roster applied: an owner's
    left_date ends their holding at 00:00 of that day, whatever the time of the handover, and from
    then until the next change the customer belongs to the acting lead of the leaver's squad
    (int_squad_lead_periods), or to nobody (待分配) while the squad has none. A CRM assignment to
    someone already gone is held the same way from its start. -#}
with

ownership_changes as (
    select * from {{ ref('stg_crm__ownership_changes') }}
),

reps as (
    select * from {{ ref('stg_crm__reps') }}
),

squad_lead_periods as (
    select * from {{ ref('int_squad_lead_periods') }}
),

crm_periods as (
    select
        record_id,
        customer_id,
        to_rep_id as rep_id,
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

with_roster as (
    select
        crm_periods.*,
        reps.squad_id,
        cast(reps.left_date as timestamp) as owner_left_at
    from crm_periods
    left join reps
        on crm_periods.rep_id = reps.rep_id
),

-- what the CRM's owner held: until the next change, or until their left day when it comes first
held as (
    select
        record_id as period_id,
        record_id,
        customer_id,
        rep_id,
        change_reason,
        'assigned' as assignment_status,
        cast(null as {{ lm_type_string() }}) as inherited_from_rep_id,
        valid_from,
        {{ earlier_end('valid_to', 'owner_left_at') }} as valid_to,
        case
            when owner_left_at is not null and (valid_to is null or owner_left_at < valid_to)
                then 'left'
            when valid_to is not null then 'handover'
        end as end_reason,
        case
            when owner_left_at is null or owner_left_at >= valid_to then ended_by_record_id
        end as ended_by_record_id
    from with_roster
    where owner_left_at is null or owner_left_at > valid_from
),

-- what nobody held any more: from the left day (or the assignment) to the next change
orphans as (
    select
        record_id,
        customer_id,
        rep_id as inherited_from_rep_id,
        change_reason,
        squad_id,
        ended_by_record_id,
        {{ later_start('owner_left_at', 'valid_from') }} as orphaned_from,
        valid_to as orphaned_to,
        case when valid_to is not null then 'handover' end as orphaned_end_reason
    from with_roster
    where owner_left_at is not null and (valid_to is null or owner_left_at < valid_to)
),

pieces as (
    {{ split_by_squad_lead(
        'orphans', 'squad_lead_periods',
        ['record_id', 'customer_id', 'inherited_from_rep_id', 'change_reason',
         'ended_by_record_id'],
        'record_id'
    ) }}
),

inherited as (
    select
        concat(concat(record_id, '-L'), cast(piece_number as {{ lm_type_string() }})) as period_id,
        record_id,
        customer_id,
        rep_id,
        change_reason,
        case when rep_id is null then 'unassigned' else 'squad_lead' end as assignment_status,
        inherited_from_rep_id,
        valid_from,
        valid_to,
        end_reason,
        case when end_reason = 'handover' then ended_by_record_id end as ended_by_record_id
    from pieces
),

periods as (
    select * from held
    union all
    select * from inherited
),

final as (
    select
        period_id,
        record_id,
        customer_id,
        rep_id,
        change_reason,
        assignment_status,
        inherited_from_rep_id,
        valid_from,
        valid_to,
        end_reason,
        ended_by_record_id,
        lag(rep_id) over (
            partition by customer_id order by valid_from, period_id
        ) as previous_rep_id
    from periods
)

select * from final
