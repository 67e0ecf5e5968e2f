{#- One row per key node an opportunity reached (关键节点) and whether its evidence followed:
    entering a configured stage needs a sales log on the configured template within
    key_node_evidence_days before or after entering it; an approved contract needs a customer-level
    re-evaluation and a service task for the customer within key_node_evidence_days after approval. -#}
with

stage_changes as (
    select * from {{ ref('stg_crm__opportunity_stage_changes') }}
),

contracts as (
    select * from {{ ref('stg_crm__contracts') }}
),

sales_logs as (
    select * from {{ ref('stg_crm__sales_logs') }}
),

level_changes as (
    select * from {{ ref('stg_crm__customer_level_changes') }}
),

tasks as (
    select * from {{ ref('stg_crm__tasks') }}
),

nodes as (
    select * from {{ ref('key_node_evidence') }}
),

evidence_window as (
    select {{ rule_parameter('key_node_evidence_days') }} as evidence_days
),

stage_nodes as (
    select
        stage_changes.history_id as node_event_id,
        stage_changes.opportunity_id,
        nodes.node_code,
        nodes.evidence_template_code,
        stage_changes.entered_at as reached_at
    from stage_changes
    inner join nodes
        on
            stage_changes.stage_code = nodes.stage_code
            and nodes.trigger_type = 'stage_entered'
),

stage_nodes_evidenced as (
    select
        stage_nodes.node_event_id,
        stage_nodes.opportunity_id,
        stage_nodes.node_code,
        stage_nodes.reached_at,
        count(sales_logs.log_id) > 0 as has_evidence
    from stage_nodes
    cross join evidence_window
    left join sales_logs
        on
            stage_nodes.opportunity_id = sales_logs.opportunity_id
            and stage_nodes.evidence_template_code = sales_logs.template_code
            and sales_logs.log_at
            >= {{ lm_dateadd('day', '-1 * evidence_days', 'stage_nodes.reached_at') }}
            and sales_logs.log_at
            <= {{ lm_dateadd('day', 'evidence_window.evidence_days', 'stage_nodes.reached_at') }}
    group by
        stage_nodes.node_event_id,
        stage_nodes.opportunity_id,
        stage_nodes.node_code,
        stage_nodes.reached_at
),

contract_nodes as (
    select
        contracts.contract_id as node_event_id,
        contracts.opportunity_id,
        contracts.customer_id,
        nodes.node_code,
        contracts.approved_at as reached_at
    from contracts
    inner join nodes
        on nodes.trigger_type = 'contract_approved'
    where contracts.approval_status = 'approved' and contracts.approved_at is not null
),

contract_level_changes as (
    select
        contract_nodes.node_event_id,
        count(level_changes.change_id) as level_change_count
    from contract_nodes
    cross join evidence_window
    inner join level_changes
        on
            contract_nodes.customer_id = level_changes.customer_id
            and contract_nodes.reached_at <= level_changes.changed_at
            and level_changes.changed_at
            <= {{ lm_dateadd('day', 'evidence_window.evidence_days', 'contract_nodes.reached_at')
            }}
    group by contract_nodes.node_event_id
),

contract_service_tasks as (
    select
        contract_nodes.node_event_id,
        count(tasks.task_id) as service_task_count
    from contract_nodes
    cross join evidence_window
    inner join tasks
        on
            contract_nodes.customer_id = tasks.customer_id
            and tasks.task_type = 'service'
            and contract_nodes.reached_at <= tasks.created_at
            and tasks.created_at
            <= {{ lm_dateadd('day', 'evidence_window.evidence_days', 'contract_nodes.reached_at')
            }}
    group by contract_nodes.node_event_id
),

contract_nodes_evidenced as (
    select
        contract_nodes.node_event_id,
        contract_nodes.opportunity_id,
        contract_nodes.node_code,
        contract_nodes.reached_at,
        (
            contract_level_changes.level_change_count is not null
            and contract_service_tasks.service_task_count is not null
        ) as has_evidence
    from contract_nodes
    left join contract_level_changes
        on contract_nodes.node_event_id = contract_level_changes.node_event_id
    left join contract_service_tasks
        on contract_nodes.node_event_id = contract_service_tasks.node_event_id
),

final as (
    select * from stage_nodes_evidenced
    union all
    select * from contract_nodes_evidenced
)

select * from final
