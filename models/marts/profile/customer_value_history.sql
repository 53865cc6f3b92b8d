{{ config(
    materialized='incremental',
    on_schema_change='fail',
    pre_hook="{{ customer_segmentation.window_engine_drop_removed_snapshots(ref('int_rfm_periods')) }}",
    **customer_segmentation.family_history_incremental_config()
) }}
{#- Value bands as of each snapshot by revenue tier (Enterprise / Mid-market / SMB / Self-serve), from the
    window engine's net revenue in the trailing `value_window_months` (refunds subtract; the window is the
    RFM one: after as_of_date minus the months, up to as_of_date). A band starts at its threshold: with the
    default vars, exactly 50,000 is Enterprise. -#}
{%- set value = customer_segmentation.value_config() %}

with

snapshot_windows as (

    select * from {{ ref('int_customer_snapshot_windows') }}

),

definitions as (

    select * from {{ ref('value_band_definitions') }}

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

banded as (

    select
        *,
        case
            when revenue_12m >= {{ value.enterprise_min_revenue }} then 'Enterprise'
            when revenue_12m >= {{ value.mid_market_min_revenue }} then 'Mid-market'
            when revenue_12m >= {{ value.smb_min_revenue }} then 'SMB'
            else 'Self-serve'
        end as value_band
    from recomputed

),

final as (

    select
        banded.customer_id,
        banded.snapshot_date,
        banded.as_of_date,
        banded.revenue_12m,
        banded.gross_revenue_12m,
        banded.refunded_revenue_12m,
        banded.value_band,
        definitions.approach,
        {{ customer_segmentation.run_computed_at() }} as computed_at
    from banded
    left join definitions
        on banded.value_band = definitions.value_band

)

select * from final
