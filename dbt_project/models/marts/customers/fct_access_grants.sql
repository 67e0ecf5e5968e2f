{#- Access grants (动态权限), one row per grant of a rep on a customer (and all its history):
    - ownership: while the rep holds the customer (int_customer_ownership_periods: from the
      assignment to the handover that ends it, or to 00:00 of the rep's left day; a squad lead
      holding a leaver's customer gets a grant for that stretch);
    - follow_up_task: a follow-up task (跟进任务) grants its assignee access from its creation
      until it closes. A handover ends the grants of the rep who held the customer at the handover,
      task grants included; the assignee's left day ends theirs at 00:00, and the task — with its
      grant — passes to the acting lead of the assignee's squad until it closes or the customer is
      handed over (待分配, no grant, while the squad has no lead).
    Only follow-up tasks grant access (the spec's rule); service and activation tasks go to
    people who already hold a grant or see everything. Feeds Superset row-level security. -#}
with

ownership_periods as (
    select * from {{ ref('int_customer_ownership_periods') }}
),

tasks as (
    select * from {{ ref('stg_crm__tasks') }}
),

reps as (
    select * from {{ ref('stg_crm__reps') }}
),

squad_lead_periods as (
    select * from {{ ref('int_squad_lead_periods') }}
),

evaluation as (
    select * from {{ ref('int_evaluation_date') }}
),

ownership_grants as (
    select
        concat('OWN-', period_id) as grant_id,
        'ownership' as grant_source,
        record_id as source_record_id,
        rep_id,
        customer_id,
        inherited_from_rep_id,
        valid_from,
        valid_to,
        end_reason,
        ended_by_record_id
    from ownership_periods
    where rep_id is not null
),

-- the moments a handover took a customer from the rep who held it
handovers as (
    select
        customer_id,
        rep_id as handed_over_by_rep_id,
        valid_to as handed_over_at,
        ended_by_record_id
    from ownership_periods
    where end_reason = 'handover'
),

follow_up_tasks as (
    select
        tasks.task_id,
        tasks.customer_id,
        tasks.assignee_rep_id,
        tasks.created_at,
        tasks.closed_at,
        reps.squad_id,
        cast(reps.left_date as timestamp) as assignee_left_at
    from tasks
    left join reps
        on tasks.assignee_rep_id = reps.rep_id
    where
        tasks.task_type = 'follow_up'
        and tasks.customer_id is not null
        and tasks.assignee_rep_id is not null
),

-- the handovers of each task's customer after the task was created, ranked two ways: the first
-- that took the customer from the assignee, the first after the task was orphaned (left day)
task_customer_handovers as (
    select
        follow_up_tasks.task_id,
        handovers.ended_by_record_id,
        handovers.handed_over_at,
        coalesce(handovers.handed_over_by_rep_id = follow_up_tasks.assignee_rep_id, false)
            as is_from_assignee,
        handovers.handed_over_at
        > {{ later_start('follow_up_tasks.assignee_left_at', 'follow_up_tasks.created_at') }}
            as is_after_orphaned
    from follow_up_tasks
    inner join handovers
        on
            follow_up_tasks.customer_id = handovers.customer_id
            and follow_up_tasks.created_at < handovers.handed_over_at
),

ranked_handovers as (
    select
        task_customer_handovers.*,
        row_number() over (
            partition by task_customer_handovers.task_id
            order by
                case when task_customer_handovers.is_from_assignee then 0 else 1 end,
                task_customer_handovers.handed_over_at,
                task_customer_handovers.ended_by_record_id
        ) as from_assignee_rank,
        row_number() over (
            partition by task_customer_handovers.task_id
            order by
                case when task_customer_handovers.is_after_orphaned then 0 else 1 end,
                task_customer_handovers.handed_over_at,
                task_customer_handovers.ended_by_record_id
        ) as after_orphaned_rank
    from task_customer_handovers
),

task_handovers as (
    select * from ranked_handovers
    where from_assignee_rank = 1 and is_from_assignee
),

-- the assignee's own grant ends at the first of: a handover, their left day, the task closing
task_ends as (
    select
        follow_up_tasks.*,
        task_handovers.handed_over_at,
        task_handovers.ended_by_record_id,
        {{ earlier_end(
            earlier_end('task_handovers.handed_over_at', 'follow_up_tasks.assignee_left_at'),
            'follow_up_tasks.closed_at'
        ) }} as valid_to
    from follow_up_tasks
    left join task_handovers
        on follow_up_tasks.task_id = task_handovers.task_id
),

task_grants as (
    select
        concat('TSK-', task_id) as grant_id,
        'follow_up_task' as grant_source,
        task_id as source_record_id,
        assignee_rep_id as rep_id,
        customer_id,
        cast(null as {{ lm_type_string() }}) as inherited_from_rep_id,
        created_at as valid_from,
        valid_to,
        case
            when valid_to is null then null
            when valid_to = handed_over_at then 'handover'
            when valid_to = assignee_left_at then 'left'
            else 'task_closed'
        end as end_reason,
        case when valid_to = handed_over_at then ended_by_record_id end as ended_by_record_id
    from task_ends
    where assignee_left_at is null or assignee_left_at > created_at
),

-- open follow-up tasks of leavers: from the left day (or the creation, for a task given to
-- someone already gone) until the task closes or the customer's next handover
orphan_starts as (
    select
        task_ends.*,
        {{ later_start('task_ends.assignee_left_at', 'task_ends.created_at') }} as orphaned_from
    from task_ends
    where
        task_ends.assignee_left_at is not null
        and (
            task_ends.handed_over_at is null
            or task_ends.handed_over_at > task_ends.assignee_left_at
        )
        and (task_ends.closed_at is null or task_ends.closed_at > task_ends.assignee_left_at)
),

next_handovers as (
    select * from ranked_handovers
    where after_orphaned_rank = 1 and is_after_orphaned
),

orphaned_tasks as (
    select
        orphan_starts.task_id,
        orphan_starts.customer_id,
        orphan_starts.assignee_rep_id as inherited_from_rep_id,
        orphan_starts.squad_id,
        orphan_starts.orphaned_from,
        next_handovers.ended_by_record_id as next_handover_record_id,
        {{ earlier_end('orphan_starts.closed_at', 'next_handovers.handed_over_at') }}
            as orphaned_to,
        case
            when
                next_handovers.handed_over_at is not null
                and (
                    orphan_starts.closed_at is null
                    or next_handovers.handed_over_at < orphan_starts.closed_at
                )
                then 'handover'
            when orphan_starts.closed_at is not null then 'task_closed'
        end as orphaned_end_reason
    from orphan_starts
    left join next_handovers
        on orphan_starts.task_id = next_handovers.task_id
),

task_pieces as (
    {{ split_by_squad_lead(
        'orphaned_tasks', 'squad_lead_periods',
        ['task_id', 'customer_id', 'inherited_from_rep_id', 'next_handover_record_id'],
        'task_id'
    ) }}
),

inherited_task_grants as (
    select
        concat(concat(concat('TSK-', task_id), '-L'), cast(piece_number as {{ lm_type_string() }}))
            as grant_id,
        'follow_up_task' as grant_source,
        task_id as source_record_id,
        rep_id,
        customer_id,
        inherited_from_rep_id,
        valid_from,
        valid_to,
        end_reason,
        case when end_reason = 'handover' then next_handover_record_id end as ended_by_record_id
    from task_pieces
    where rep_id is not null
),

all_grants as (
    select * from ownership_grants
    union all
    select * from task_grants
    union all
    select * from inherited_task_grants
),

-- in force at the end of the evaluation day (a left day still ahead does not end a grant yet)
as_of as (
    select cast({{ add_days('evaluation_date', '1') }} as timestamp) as as_of_end
    from evaluation
),

final as (
    select
        all_grants.grant_id,
        all_grants.grant_source,
        all_grants.source_record_id,
        all_grants.rep_id,
        reps.email as rep_email,
        reps.squad_id,
        all_grants.customer_id,
        all_grants.inherited_from_rep_id,
        all_grants.valid_from,
        all_grants.valid_to,
        all_grants.end_reason,
        all_grants.ended_by_record_id,
        all_grants.valid_from < as_of.as_of_end
        and (all_grants.valid_to is null or all_grants.valid_to > as_of.as_of_end) as is_current
    from all_grants
    cross join as_of
    left join reps
        on all_grants.rep_id = reps.rep_id
)

select * from final
