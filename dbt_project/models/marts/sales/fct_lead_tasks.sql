{#- The three tasks every lead triggers (线索任务), assigned when the lead comes in to people active
    on its day (int_leads_responded); an empty assignee is 待分配. -#}
with

leads as (
    select * from {{ ref('int_leads_responded') }}
),

task_templates as (
    select * from {{ ref('lead_task_templates') }}
),

assigned as (
    select
        leads.lead_id,
        task_templates.task_code,
        task_templates.task_title,
        task_templates.assignee_role,
        leads.assignment_status as follow_up_assignment_status,
        leads.created_at as task_created_at,
        concat(concat(leads.lead_id, '-'), task_templates.task_code) as lead_task_id,
        case task_templates.assignee_role
            when 'rep' then leads.follow_up_rep_id
            when 'engineer' then leads.engineer_rep_id
            when 'legal' then leads.legal_rep_id
        end as assignee_rep_id,
        {{ lm_dateadd('hour', 'task_templates.due_hours', 'leads.created_at') }} as due_at
    from leads
    cross join task_templates
),

final as (
    select
        lead_task_id,
        lead_id,
        task_code,
        task_title,
        assignee_role,
        assignee_rep_id,
        task_created_at,
        due_at,
        case
            when assignee_rep_id is null then 'unassigned'
            when assignee_role = 'rep' then follow_up_assignment_status
            else 'assigned'
        end as assignment_status,
        {{ code_label('role', 'assignee_role') }} as assignee_role_name,
        {{ rep_name('assignee_rep_id', empty='待分配') }} as assignee_rep_name
    from assigned
)

select * from final
