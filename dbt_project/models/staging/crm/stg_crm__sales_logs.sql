with

source as (
    select * from {{ source('crm', 'sales_logs') }}
),

final as (
    {{ sales_logs_known('source') }}
)

select * from final
