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
        -- closed after the evaluation day: still open on it
        {{ as_known_on_evaluation_date('closed_at') }} as closed_at,
        case
            when not {{ is_known_on_evaluation_date('closed_at') }} then 'open'
            else status
        end as task_status,
        _source_file
    from latest
    -- facts dated after the evaluation day are not known yet
    where {{ is_known_on_evaluation_date('created_at') }}
)

select * from final
