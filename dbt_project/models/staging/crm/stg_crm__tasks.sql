with

source as (
    select * from {{ source('crm', 'tasks') }}
),

latest as (
    {{ keep_latest('source', 'task_id') }}
),

final as (
    select
        task_id,
        task_type,
        title,
        customer_id,
        opportunity_id,
        assignee_rep_id,
        created_by_rep_id,
        created_at,
        due_date,
        closed_at,
        status as task_status,
        _source_file
    from latest
)

select * from final
