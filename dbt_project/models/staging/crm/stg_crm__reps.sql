with

source as (
    select * from {{ source('crm', 'reps') }}
),

latest as (
    {{ keep_latest('source', 'rep_id') }}
),

final as (
    select
        rep_id,
        rep_name,
        role as rep_role,
        squad_id,
        region_id,
        email,
        {{ mask_phone('phone') }} as phone_masked,
        hired_date,
        left_date,
        _source_file
    from latest
)

select * from final
