{#- The evaluation day (评估日), one row: every "as of" figure of the marts is computed for it,
    from the facts dated on or before it (see macros/evaluation.sql for where it comes from). -#}
with

evaluation as (
    select {{ evaluation_date() }} as evaluation_date
),

final as (
    select
        evaluation_date,
        cast({{ add_days('evaluation_date', '1') }} as timestamp) as evaluation_end_at,
        {{ month_start('evaluation_date') }} as evaluation_month_start,
        cast({{ lm_date_trunc('week', 'evaluation_date') }} as date) as evaluation_week_start
    from evaluation
)

select * from final
