{%- set family_histories = customer_segmentation.family_history_relations() -%}
{{ config(
    materialized='incremental',
    on_schema_change='fail',
    grants=customer_segmentation.sync_reader_grants(),
    meta={'merge_grain': ['customer_id', 'family', 'snapshot_date']},
    pre_hook="{{ customer_segmentation.delete_recomputed_changes(customer_segmentation.family_history_relations()) }}",
    **customer_segmentation.family_history_incremental_config()
) }}
{#- The change feed: one row per customer, family and snapshot at which the customer's segment in that family
    differs from the one they held one snapshot earlier, and one row for the first segment a customer gets in
    each family (from_segment null): the segment changes of int_customer_segment_runs. Incremental: a run
    replaces whole snapshots from the first one whose family histories were rewritten since this model last
    wrote it. -#}

with

segment_runs as (

    select * from {{ ref('int_customer_segment_runs') }}

),

recompute_from as (

    {{ customer_segmentation.recompute_start_from(family_histories) }}

),

changes as (

    select segment_runs.*
    from segment_runs
    cross join recompute_from
    where segment_runs.snapshot_date >= recompute_from.first_snapshot_date
        and segment_runs.is_segment_change

),

final as (

    select
        family,
        customer_id,
        snapshot_date,
        as_of_date,
        previous_segment as from_segment,
        segment as to_segment,
        is_watched,
        watch_signal,
        watch_action,
        {{ customer_segmentation.run_computed_at() }} as computed_at
    from changes

)

select * from final
