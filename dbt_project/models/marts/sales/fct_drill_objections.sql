{#- Drill step 4 (异议与建议话术): the objections the customer raised in the drill communications
    (int_communications_objections_tagged mines the customer's words only), one row per
    communication × category, each with
    - a talk track (应对话术) for the category: from the category's cases, the customer's industry
      first, then the opportunity's product model, then the latest published;
    - a success case to tell (推荐案例) from the customer's own industry first: the industry's case
      of the category, else another case of the industry, else the category's case of another
      industry on the product model, else the latest; `case_match_basis` says which.
    A drill opportunity whose last communications carry no objection gets one row that says why
    (no objection tag, `step_note`), so the step is never empty without a reason. -#}
with

drill_communications as (
    select * from {{ ref('fct_drill_communications') }}
),

top_opportunities as (
    select * from {{ ref('fct_drill_top_opportunities') }}
),

tagged as (
    select * from {{ ref('int_communications_objections_tagged') }}
),

customers as (
    select * from {{ ref('stg_crm__customers') }}
),

cases as (
    select * from {{ ref('stg_crm__success_cases') }}
),

mentioned as (
    select
        drill_communications.region_id,
        drill_communications.region_name,
        drill_communications.opportunity_rank,
        drill_communications.opportunity_id,
        drill_communications.customer_id,
        drill_communications.customer_name,
        drill_communications.owner_rep_id,
        drill_communications.communication_rank,
        drill_communications.communication_id,
        drill_communications.channel,
        drill_communications.speaker_name,
        drill_communications.communicated_at,
        tagged.objection_category,
        tagged.matched_keywords,
        customers.industry,
        top_opportunities.product_model
    from drill_communications
    inner join tagged
        on drill_communications.communication_id = tagged.communication_id
    inner join top_opportunities
        on drill_communications.opportunity_id = top_opportunities.opportunity_id
    left join customers
        on drill_communications.customer_id = customers.customer_id
),

-- the talk track answers the objection: cases of the same category only
talk_track_choices as (
    select
        mentioned.communication_id,
        mentioned.opportunity_id,
        mentioned.objection_category,
        cases.case_id,
        cases.talk_track,
        row_number() over (
            partition by
                mentioned.opportunity_id,
                mentioned.communication_id,
                mentioned.objection_category
            order by
                case when cases.industry = mentioned.industry then 0 else 1 end,
                case when cases.product_model = mentioned.product_model then 0 else 1 end,
                cases.published_date desc,
                cases.case_id desc
        ) as choice_rank
    from mentioned
    inner join cases
        on mentioned.objection_category = cases.objection_category
),

-- the success case speaks to the customer's industry first
case_candidates as (
    select
        mentioned.communication_id,
        mentioned.opportunity_id,
        mentioned.objection_category,
        cases.case_id,
        cases.title,
        cases.published_date,
        case
            when
                cases.industry = mentioned.industry
                and cases.objection_category = mentioned.objection_category
                then 1
            when cases.industry = mentioned.industry then 2
            when cases.product_model = mentioned.product_model then 3
            else 4
        end as match_tier
    from mentioned
    inner join cases
        on
            mentioned.industry = cases.industry
            or mentioned.objection_category = cases.objection_category
),

case_choices as (
    select
        *,
        row_number() over (
            partition by opportunity_id, communication_id, objection_category
            order by match_tier asc, published_date desc, case_id desc
        ) as choice_rank
    from case_candidates
),

objections as (
    select
        mentioned.region_id,
        mentioned.region_name,
        mentioned.opportunity_rank,
        mentioned.opportunity_id,
        mentioned.customer_id,
        mentioned.customer_name,
        mentioned.owner_rep_id,
        mentioned.communication_rank,
        mentioned.communication_id,
        mentioned.channel,
        mentioned.communicated_at,
        mentioned.objection_category,
        mentioned.matched_keywords,
        case_choices.case_id as suggested_case_id,
        case_choices.title as suggested_case_title,
        talk_track_choices.talk_track as suggested_talk_track,
        talk_track_choices.case_id as talk_track_case_id,
        coalesce(case_choices.match_tier <= 2, false) as is_same_industry_case,
        case case_choices.match_tier
            when 1 then '同行业·同类异议'
            when 2 then '同行业（本行业暂无同类异议案例）'
            when 3 then '其他行业·同类异议·同型号（本行业暂无案例）'
            when 4 then '其他行业·同类异议（本行业暂无案例）'
            else '案例库暂无可推荐案例'
        end as case_match_basis,
        true as has_objection,
        concat(
            concat(
                concat('最近第', cast(mentioned.communication_rank as {{ lm_type_string() }})),
                '次沟通·'
            ),
            mentioned.speaker_name
        ) as step_note
    from mentioned
    left join case_choices
        on
            mentioned.opportunity_id = case_choices.opportunity_id
            and mentioned.communication_id = case_choices.communication_id
            and mentioned.objection_category = case_choices.objection_category
            and case_choices.choice_rank = 1
    left join talk_track_choices
        on
            mentioned.opportunity_id = talk_track_choices.opportunity_id
            and mentioned.communication_id = talk_track_choices.communication_id
            and mentioned.objection_category = talk_track_choices.objection_category
            and talk_track_choices.choice_rank = 1
),

communication_counts as (
    select
        opportunity_id,
        count(*) as communication_count
    from drill_communications
    group by opportunity_id
),

-- drill opportunities without an objection in their last communications: one row saying why
quiet as (
    select
        top_opportunities.region_id,
        top_opportunities.region_name,
        top_opportunities.opportunity_rank,
        top_opportunities.opportunity_id,
        top_opportunities.customer_id,
        top_opportunities.customer_name,
        top_opportunities.owner_rep_id,
        cast(null as bigint) as communication_rank,
        cast(null as {{ lm_type_string() }}) as communication_id,
        cast(null as {{ lm_type_string() }}) as channel,
        cast(null as timestamp) as communicated_at,
        cast(null as {{ lm_type_string() }}) as objection_category,
        cast(null as {{ lm_type_string() }}) as matched_keywords,
        cast(null as {{ lm_type_string() }}) as suggested_case_id,
        cast(null as {{ lm_type_string() }}) as suggested_case_title,
        cast(null as {{ lm_type_string() }}) as suggested_talk_track,
        cast(null as {{ lm_type_string() }}) as talk_track_case_id,
        false as is_same_industry_case,
        '—' as case_match_basis,
        false as has_objection,
        case
            when communication_counts.opportunity_id is null
                then '负责人与该客户暂无销售日志或企业微信沟通，无从识别异议'
            else concat(
                concat(
                    '最近',
                    cast(communication_counts.communication_count as {{ lm_type_string() }})
                ),
                '次沟通中客户未提出异议'
            )
        end as step_note
    from top_opportunities
    left join communication_counts
        on top_opportunities.opportunity_id = communication_counts.opportunity_id
    where not exists (
        select 1 from mentioned
        where mentioned.opportunity_id = top_opportunities.opportunity_id
    )
),

unioned as (
    select * from objections
    union all
    select * from quiet
),

final as (
    select
        *,
        coalesce(objection_category, '无异议') as objection_category_name,
        coalesce(matched_keywords, '—') as matched_keywords_text,
        coalesce(suggested_talk_track, '—') as suggested_talk_track_text,
        coalesce(suggested_case_title, '—') as suggested_case_title_text,
        coalesce(substring(cast(communicated_at as {{ lm_type_string() }}), 1, 16), '—')
            as communicated_at_text
    from unioned
)

select * from final
