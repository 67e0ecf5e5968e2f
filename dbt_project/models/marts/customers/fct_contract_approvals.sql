{#- Contract-approval consequences (合同审批后续动作), one row per approved contract: was the
    customer's level re-evaluated the same local day (a level-change record, even one that keeps
    the level), and was a service task created for the customer on or after the approval within
    `key_node_evidence_days` (the same window the process-compliance key node uses — a choice:
    the spec does not give the service task its own deadline). -#}
with

contracts as (
    select * from {{ ref('stg_crm__contracts') }}
),

level_changes as (
    select * from {{ ref('stg_crm__customer_level_changes') }}
),

tasks as (
    select * from {{ ref('stg_crm__tasks') }}
),

rules as (
    {{ rule_parameter_row(['key_node_evidence_days']) }}
),

approved as (
    select
        contract_id,
        opportunity_id,
        customer_id,
        rep_id,
        amount_cny,
        approved_at,
        cast(approved_at as date) as approved_date
    from contracts
    where approval_status = 'approved' and approved_at is not null
),

same_day_levels as (
    select
        approved.contract_id,
        level_changes.change_id,
        level_changes.old_level,
        level_changes.new_level,
        level_changes.changed_at,
        row_number() over (
            partition by approved.contract_id
            order by level_changes.changed_at desc, level_changes.change_id desc
        ) as change_rank
    from approved
    inner join level_changes
        on
            approved.customer_id = level_changes.customer_id
            and cast(level_changes.changed_at as date) = approved.approved_date
),

service_tasks as (
    select
        approved.contract_id,
        tasks.task_id,
        tasks.created_at,
        row_number() over (
            partition by approved.contract_id order by tasks.created_at, tasks.task_id
        ) as task_rank
    from approved
    cross join rules
    inner join tasks
        on
            approved.customer_id = tasks.customer_id
            and tasks.task_type = 'service'
            and approved.approved_at <= tasks.created_at
            and cast(tasks.created_at as date)
            <= {{ add_days('approved.approved_date', 'rules.key_node_evidence_days') }}
),

final as (
    select
        approved.contract_id,
        approved.opportunity_id,
        approved.customer_id,
        approved.rep_id,
        cast(approved.amount_cny as decimal(38, 2)) as amount_cny,
        approved.approved_at,
        approved.approved_date,
        same_day_levels.change_id as level_change_id,
        same_day_levels.old_level,
        same_day_levels.new_level,
        service_tasks.task_id as service_task_id,
        service_tasks.created_at as service_task_created_at,
        same_day_levels.change_id is not null as is_level_reevaluated,
        service_tasks.task_id is not null as has_service_task,
        same_day_levels.change_id is not null
        and service_tasks.task_id is not null as is_followed_up
    from approved
    left join same_day_levels
        on approved.contract_id = same_day_levels.contract_id and same_day_levels.change_rank = 1
    left join service_tasks
        on approved.contract_id = service_tasks.contract_id and service_tasks.task_rank = 1
)

select * from final
