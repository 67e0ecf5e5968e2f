{#- Access grants (动态权限), one row per grant of a rep on a customer (and all its history):
    - ownership: from the assignment to the handover that ends it (open while the rep owns it);
    - follow_up_task: a follow-up task (跟进任务) grants its assignee access from its creation
      until it closes (open while the task is open).
    A handover ends the previous owner's grants at the handover time, task grants included.
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

ownership_grants as (
    select
        concat('OWN-', record_id) as grant_id,
        'ownership' as grant_source,
        record_id as source_record_id,
        rep_id,
        customer_id,
        valid_from,
        valid_to,
        case when valid_to is not null then 'handover' end as end_reason,
        ended_by_record_id
    from ownership_periods
),

handovers as (
    select
        record_id,
        customer_id,
        previous_rep_id,
        valid_from as handed_over_at
    from ownership_periods
    where previous_rep_id is not null
),

follow_up_tasks as (
    select
        task_id,
        customer_id,
        assignee_rep_id,
        created_at,
        closed_at
    from tasks
    where task_type = 'follow_up' and customer_id is not null and assignee_rep_id is not null
),

task_handovers as (
    select
        follow_up_tasks.task_id,
        handovers.record_id,
        handovers.handed_over_at,
        row_number() over (
            partition by follow_up_tasks.task_id
            order by handovers.handed_over_at, handovers.record_id
        ) as handover_rank
    from follow_up_tasks
    inner join handovers
        on
            follow_up_tasks.customer_id = handovers.customer_id
            and follow_up_tasks.assignee_rep_id = handovers.previous_rep_id
            and follow_up_tasks.created_at < handovers.handed_over_at
            and (
                follow_up_tasks.closed_at is null
                or follow_up_tasks.closed_at > handovers.handed_over_at
            )
),

task_grants as (
    select
        concat('TSK-', follow_up_tasks.task_id) as grant_id,
        'follow_up_task' as grant_source,
        follow_up_tasks.task_id as source_record_id,
        follow_up_tasks.assignee_rep_id as rep_id,
        follow_up_tasks.customer_id,
        follow_up_tasks.created_at as valid_from,
        coalesce(task_handovers.handed_over_at, follow_up_tasks.closed_at) as valid_to,
        case
            when task_handovers.record_id is not null then 'handover'
            when follow_up_tasks.closed_at is not null then 'task_closed'
        end as end_reason,
        task_handovers.record_id as ended_by_record_id
    from follow_up_tasks
    left join task_handovers
        on follow_up_tasks.task_id = task_handovers.task_id and task_handovers.handover_rank = 1
),

all_grants as (
    select * from ownership_grants
    union all
    select * from task_grants
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
        all_grants.valid_from,
        all_grants.valid_to,
        all_grants.end_reason,
        all_grants.ended_by_record_id,
        all_grants.valid_to is null as is_current
    from all_grants
    left join reps
        on all_grants.rep_id = reps.rep_id
)

select * from final
