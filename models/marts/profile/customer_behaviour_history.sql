{{ config(
    enabled=customer_segmentation.events_enabled(),
    materialized='incremental',
    on_schema_change='fail',
    pre_hook="{{ customer_segmentation.window_engine_drop_removed_snapshots(ref('int_rfm_periods')) }}",
    **customer_segmentation.family_history_incremental_config()
) }}
{#- Behavioural segments from product events: core actions and active calendar weeks in the trailing
    `behaviour_window_days` as of each snapshot, Power user / Engaged / Trialing / Dormant, and the
    top-usage flag (the top `behaviour_top_usage_share` of the snapshot's customers by core actions). -#}
{%- set behaviour = customer_segmentation.behaviour_config() %}

with

snapshot_windows as (

    select * from {{ ref('int_customer_snapshot_windows') }}

),

definitions as (

    select * from {{ ref('behaviour_segment_definitions') }}

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

ranked as (

    -- Ranked within the snapshot only: usage_rank - 1 customers use the core action more.
    select
        *,
        rank() over (partition by snapshot_date order by core_actions_30d desc) as usage_rank,
        count(*) over (partition by snapshot_date) as snapshot_customers
    from recomputed

),

segmented as (

    select
        *,
        case
            when core_actions_30d >= {{ behaviour.power_user_min_core_actions }}
                and active_weeks_30d >= {{ behaviour.power_user_min_active_weeks }} then 'Power user'
            when core_actions_30d >= {{ behaviour.engaged_min_core_actions }} then 'Engaged'
            when core_actions_30d >= {{ behaviour.trialing_min_core_actions }} then 'Trialing'
            else 'Dormant'
        end as behaviour_segment,
        -- Top usage: fewer than the share of the snapshot's customers use more (ties share the flag).
        case
            when core_actions_30d > 0
                and usage_rank - 1 < {{ behaviour.top_usage_share }} * snapshot_customers then true
            else false
        end as is_top_usage
    from ranked

),

final as (

    select
        segmented.customer_id,
        segmented.snapshot_date,
        segmented.as_of_date,
        segmented.events_30d,
        segmented.core_actions_30d,
        segmented.active_weeks_30d,
        segmented.last_event_date,
        cast(segmented.usage_rank as integer) as usage_rank,
        segmented.is_top_usage,
        segmented.behaviour_segment,
        definitions.recommended_action,
        {{ customer_segmentation.run_computed_at() }} as computed_at
    from segmented
    left join definitions
        on segmented.behaviour_segment = definitions.behaviour_segment

)

select * from final
