{#- Every segment family's membership per customer per snapshot, with its runs: a run is an unbroken sequence
    of snapshots in one segment. Histories cover consecutive periods, so the row before a customer's row is
    the previous snapshot and counting a run's rows counts its periods. The transitions marts, the change
    feed and the CRM tables all read this one model, so "previous segment", "time in segment", "watched
    move" and "latest snapshot" mean the same everywhere.
    Per family: the history, its segment column, the revenue its transitions report (the RFM window's
    monetary; the value window's revenue_12m for the others) and the columns the CRM tables sync, whose
    change moves their updated_at cursor. Columns that move with the calendar alone (snapshot_date,
    as_of_date, recency_days, periods_in_segment) are not synced: a CRM derives them from last_order_date
    and segment_entered_date; previous_segment and segment_entered_date change only with the segment. -#}
{%- set events_enabled = customer_segmentation.events_enabled() -%}
{%- set families = {
    'rfm': {
        'segment': 'segment',
        'revenue': 'history.monetary',
        'synced_columns': ['segment', 'recommended_action', 'rfm_code', 'frequency', 'monetary', 'last_order_date'],
    },
    'behaviour': {
        'segment': 'behaviour_segment',
        'revenue': 'value_history.revenue_12m',
        'synced_columns': ['behaviour_segment', 'is_top_usage', 'recommended_action'],
    },
    'lifecycle': {
        'segment': 'activity_status',
        'revenue': 'value_history.revenue_12m',
        'synced_columns': ['lifecycle_stage', 'activity_status', 'status_action'],
    },
    'value': {
        'segment': 'value_band',
        'revenue': 'history.revenue_12m',
        'synced_columns': ['value_band', 'revenue_12m'],
    },
    'health': {
        'segment': 'health_band',
        'revenue': 'value_history.revenue_12m',
        'synced_columns': ['health_score', 'health_band', 'recommended_action'],
    },
} -%}
{%- if not events_enabled -%}
    {%- do families.pop('behaviour') -%}
{%- endif %}

with

rfm_history as (

    select * from {{ ref('customer_rfm_history') }}

),
{% if events_enabled %}
behaviour_history as (

    select * from {{ ref('customer_behaviour_history') }}

),
{% endif %}
lifecycle_history as (

    select * from {{ ref('customer_lifecycle_history') }}

),

value_history as (

    select * from {{ ref('customer_value_history') }}

),

health_history as (

    select * from {{ ref('customer_health_history') }}

),

transitions_to_watch as (

    select * from {{ ref('segment_transitions_to_watch') }}

),

memberships as (
    {% for family, spec in families.items() %}
    {%- set synced_columns = [] -%}
    {%- for column in spec.synced_columns -%}
    {%- do synced_columns.append('history.' ~ column) -%}
    {%- endfor %}
    select
        '{{ family }}' as family,
        history.customer_id,
        history.snapshot_date,
        history.as_of_date,
        -- The alias names the other families' segment columns; rfm's is named segment already (AL09).
        history.{{ spec.segment }} as segment,  -- noqa: AL09
        {{ spec.revenue }} as revenue,
        {{ customer_segmentation.differs_from_previous_row(
            synced_columns, partition_by='history.customer_id', order_by='history.snapshot_date') }}
            as is_synced_change
    from {{ family }}_history as history
    {% if spec.revenue.startswith('value_history.') %}
    left join value_history
        on history.customer_id = value_history.customer_id
        and history.snapshot_date = value_history.snapshot_date
    {% endif %}
    {% if not loop.last %}
    union all
    {% endif %}
    {%- endfor %}
),

with_previous as (

    select
        *,
        lag(segment) over (partition by family, customer_id order by snapshot_date) as previous_segment
    from memberships

),

numbered_runs as (

    -- A run starts where the segment differs from the snapshot before; a running count of starts numbers it.
    select
        *,
        coalesce(previous_segment is null or previous_segment <> segment, false) as is_segment_change,
        sum(case when previous_segment is null or previous_segment <> segment then 1 else 0 end) over (
            partition by family, customer_id
            order by snapshot_date
            rows between unbounded preceding and current row
        ) as segment_run
    from with_previous

),

run_positions as (

    select
        *,
        min(snapshot_date) over (partition by family, customer_id, segment_run) as segment_entered_date,
        min(as_of_date) over (partition by family, customer_id, segment_run) as segment_entered_as_of_date,
        -- The segment before the run began: the most recent one different from the current segment.
        max(case when is_segment_change then previous_segment end) over (
            partition by family, customer_id, segment_run
        ) as segment_before_run,
        row_number() over (partition by family, customer_id, segment_run order by snapshot_date)
            as periods_in_segment,
        max(snapshot_date) over (partition by family) as family_latest_snapshot_date
    from numbered_runs

),

time_in_previous_segment as (

    -- At the previous snapshot: how long the customer had been in the segment they held then, in snapshots
    -- up to that one and in days from entering it to this snapshot's as-of date.
    select
        *,
        lag(periods_in_segment) over (partition by family, customer_id order by snapshot_date)
            as previous_periods_in_segment,
        lag(segment_entered_as_of_date) over (partition by family, customer_id order by snapshot_date)
            as previous_segment_entered_as_of_date
    from run_positions

),

final as (

    select
        time_in_previous_segment.family,
        time_in_previous_segment.customer_id,
        time_in_previous_segment.snapshot_date,
        time_in_previous_segment.as_of_date,
        time_in_previous_segment.segment,
        time_in_previous_segment.revenue,
        time_in_previous_segment.previous_segment,
        time_in_previous_segment.is_segment_change,
        time_in_previous_segment.segment_entered_date,
        time_in_previous_segment.segment_before_run,
        cast(time_in_previous_segment.periods_in_segment as integer) as periods_in_segment,
        cast(time_in_previous_segment.previous_periods_in_segment as integer) as periods_in_previous_segment,
        cast({{ dbt.datediff(
            'time_in_previous_segment.previous_segment_entered_as_of_date',
            'time_in_previous_segment.as_of_date',
            'day') }} as integer) as days_in_previous_segment,
        transitions_to_watch.family is not null as is_watched,
        transitions_to_watch.signal as watch_signal,
        transitions_to_watch.recommended_action as watch_action,
        time_in_previous_segment.is_synced_change,
        coalesce(
            time_in_previous_segment.snapshot_date = time_in_previous_segment.family_latest_snapshot_date, false
        ) as is_latest_snapshot
    from time_in_previous_segment
    left join transitions_to_watch
        on time_in_previous_segment.family = transitions_to_watch.family
        and time_in_previous_segment.previous_segment = transitions_to_watch.from_segment
        and time_in_previous_segment.segment = transitions_to_watch.to_segment

)

select * from final
