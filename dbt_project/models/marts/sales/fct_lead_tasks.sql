with

leads as (
    select * from {{ ref('int_leads_responded') }}
),

task_templates as (
    select * from {{ ref('lead_task_templates') }}
),

final as (
    select
        concat(concat(leads.lead_id, '-'), task_templates.task_code) as lead_task_id,
        leads.lead_id,
        task_templates.task_code,
        task_templates.task_title,
        task_templates.assignee_role,
        case task_templates.assignee_role
            when 'rep' then leads.follow_up_rep_id
            when 'engineer' then leads.engineer_rep_id
            when 'legal' then leads.legal_rep_id
        end as assignee_rep_id,
        leads.created_at as task_created_at,
        {{ lm_dateadd('hour', 'task_templates.due_hours', 'leads.created_at') }} as due_at
    from leads
    cross join task_templates
)

select * from final
