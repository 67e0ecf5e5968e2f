with

source as (
    select * from {{ source('crm', 'contacts') }}
),

latest as (
    {{ keep_latest('source', 'contact_id') }}
),

final as (
    select
        contact_id,
        customer_id,
        contact_name,
        title,
        role as role_code,
        {{ mask_phone('phone') }} as phone_masked,
        {{ pii_hash('wecom_external_userid') }} as wecom_contact_key,
        created_at,
        source as contact_source,
        _source_file
    from latest
)

select * from final
