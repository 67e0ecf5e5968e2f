{#- Warns for every rep whose own region in the CRM differs from the region of the rep's squad.
    The validation metrics count a squad member in the squad's region (so a region is the sum of
    its squads, int_rep_scopes), while the roster (dim_sales_staff) shows the person's own region:
    such a rep is listed in one region and counted in another until the CRM is corrected. -#}
{{ config(severity='warn') }}

select
    reps.rep_id,
    reps.region_id as rep_region_id,
    squads.region_id as squad_region_id
from {{ ref('stg_crm__reps') }} as reps
inner join {{ ref('stg_crm__squads') }} as squads
    on reps.squad_id = squads.squad_id
where
    reps.region_id is not null
    and squads.region_id is not null
    and reps.region_id <> squads.region_id
