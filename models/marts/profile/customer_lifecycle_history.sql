{{ config(
    materialized='incremental',
    on_schema_change='fail',
    pre_hook="{{ customer_segmentation.window_engine_drop_removed_snapshots(ref('int_rfm_periods')) }}",
    **customer_segmentation.family_history_incremental_config()
) }}
{#- Lifecycle as of each snapshot: the stage by tenure, Onboarding / Adopting /
    Established / Mature, and the activity status, New / Active / At risk / Churned, from days since the
    last activity (a product event or a completed order). A band starts at its threshold: with the default
    vars, day 30 is the first day of Adopting and of not being New. -#}
{%- set lifecycle = customer_segmentation.lifecycle_config() %}

with

snapshot_windows as (

    select * from {{ ref('int_customer_snapshot_windows') }}

),

stage_definitions as (

    select * from {{ ref('lifecycle_stage_definitions') }}

),

status_definitions as (

    select * from {{ ref('activity_status_definitions') }}

),

recompute_from as (

    {{ customer_segmentation.recompute_start_from([ref('int_customer_snapshot_windows')]) }}

),

recomputed as (

    select snapshot_windows.*
    from snapshot_windows
    cross join recompute_from
    where snapshot_windows.snapshot_date >= recompute_from.first_snapshot_date

),

staged as (

    select
        *,
        case
            when tenure_days >= {{ lifecycle.mature_days }} then 'Mature'
            when tenure_days >= {{ lifecycle.established_days }} then 'Established'
            when tenure_days >= {{ lifecycle.adopting_days }} then 'Adopting'
            else 'Onboarding'
        end as lifecycle_stage,
        case
            when tenure_days < {{ lifecycle.adopting_days }} then 'New'
            when days_since_last_activity >= {{ lifecycle.churned_days }} then 'Churned'
            when days_since_last_activity >= {{ lifecycle.at_risk_days }} then 'At risk'
            else 'Active'
        end as activity_status
    from recomputed

),

final as (

    select
        staged.customer_id,
        staged.snapshot_date,
        staged.as_of_date,
        staged.customer_since_date,
        staged.tenure_days,
        staged.last_activity_date,
        staged.days_since_last_activity,
        staged.lifecycle_stage,
        stage_definitions.focus as stage_focus,
        staged.activity_status,
        status_definitions.recommended_action as status_action,
        {{ customer_segmentation.run_computed_at() }} as computed_at
    from staged
    left join stage_definitions
        on staged.lifecycle_stage = stage_definitions.lifecycle_stage
    left join status_definitions
        on staged.activity_status = status_definitions.activity_status

)

select * from final
