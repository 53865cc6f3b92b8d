{#- How the window engine's incremental models find their own start (int_customer_window_changes,
    int_customer_snapshot_windows).

    Every stored snapshot keeps the fingerprint of the inputs it was built from (sums of row hashes,
    macros/engines/fingerprint.sql): the change rows keep that of the customer-days, sign-ups and calendar
    row they were derived from (int_window_input_fingerprints); the snapshot windows keep the change rows'
    and their as_of_date. A snapshot depends only on inputs up to it, so a run compares the fingerprints per
    snapshot with the fresh ones and recomputes from the earliest snapshot that differs, is new or has gone:
    late rows, corrected or re-statused rows and sign-up dates of any age are found, not only those in a
    fixed lookback. When anything is recomputed, at least the newest `lookback` built snapshots are (a
    floor). The snapshot windows carry their running totals in from the stored rows of the snapshot just
    before the start, unchanged by construction, so a run's cost follows the periods it rebuilds. -#}

{#- The trailing windows the engine keeps, by the name of their leaving edge in int_window_date_edges
    (`leaving_<window>_snapshot_date`): RFM, behaviour, value, and the recent and prior revenue-trend
    periods. Every model that walks the edges loops over this list, so a window added here reaches them all. -#}
{% macro window_engine_windows() -%}
    {{ return(['rfm', 'behaviour', 'value', 'recent', 'prior']) }}
{%- endmacro %}


{#- The fresh state compared with the stored one, per key (a snapshot or a date), in one query: a dict of
    'YYYY-MM-DD' texts, each list sorted, by status
      same     stored with the fresh fingerprint (and as_of_date, when compared)
      changed  stored with another fingerprint or as_of_date, or with none (a table built before the column)
      new      fresh but not stored
      removed  stored but no longer fresh
    `fresh_sql` selects one row per key: `key_date`, `inputs_fingerprint` and, with compare_as_of,
    `as_of_date`; the model's own table is read grouped by `stored_key`. -#}
{% macro window_engine_compare(fresh_sql, stored_key, compare_as_of=false) -%}
    {%- set comparison_sql -%}
        /* the window engine compares fresh and stored {{ stored_key }} */
        with

        fresh as (

            {{ fresh_sql }}

        ),

        stored as (

            select
                {{ stored_key }} as key_date,
                {%- if compare_as_of %}
                min(as_of_date) as min_as_of_date,
                max(as_of_date) as max_as_of_date,
                {%- endif %}
                min(inputs_fingerprint) as min_inputs_fingerprint,
                max(inputs_fingerprint) as max_inputs_fingerprint
            from {{ this }}
            group by {{ stored_key }}

        )

        select
            cast(coalesce(fresh.key_date, stored.key_date) as {{ dbt.type_string() }}) as key_date,
            case
                when stored.key_date is null then 'new'
                when fresh.key_date is null then 'removed'
                when stored.min_inputs_fingerprint <> fresh.inputs_fingerprint
                    or stored.max_inputs_fingerprint <> fresh.inputs_fingerprint
                    or stored.min_inputs_fingerprint is null
                    {%- if compare_as_of %}
                    or stored.min_as_of_date <> fresh.as_of_date
                    or stored.max_as_of_date <> fresh.as_of_date
                    {%- endif %}
                    then 'changed'
                else 'same'
            end as status
        from fresh
        full outer join stored
            on fresh.key_date = stored.key_date
        order by 1
    {%- endset -%}
    {%- set statuses = {'same': [], 'changed': [], 'new': [], 'removed': []} -%}
    {%- for row in run_query(comparison_sql).rows -%}
        {%- do statuses[row[1]].append(row[0] | string) -%}
    {%- endfor -%}
    {{ return(statuses) }}
{%- endmacro %}


{#- The plan of a build, decided when the model compiles: a dict with
      start_snapshot_date  first snapshot to recompute as 'YYYY-MM-DD', none on a full build, 9999-12-31
                           when no snapshot differs (the run writes no row)
      carry_snapshot_date  stored snapshot the running totals are carried in from, none when there is none
    and one log line saying how far back the run goes and why. -#}
{% macro window_engine_plan(fingerprints_relation, periods_relation, lookback, compare_as_of) -%}
    {%- set plan = {'start_snapshot_date': none, 'carry_snapshot_date': none} -%}
    {#- A unit test renders the model without a table of its own (`this` is none): a full build. -#}
    {%- if this is none or not (execute and is_incremental()) -%}
        {{ return(plan) }}
    {%- endif -%}
    {#- A snapshot with no fingerprint row (no customer yet) compares as 0, as the model stores it. -#}
    {%- set fresh_sql -%}
            select
                periods.snapshot_date as key_date,
                periods.as_of_date,
                coalesce(fresh_fingerprints.inputs_fingerprint, cast(0 as decimal(38, 0))) as inputs_fingerprint
            from {{ periods_relation }} as periods
            left join (
                select
                    snapshot_date,
                    max(inputs_fingerprint) as inputs_fingerprint
                from {{ fingerprints_relation }}
                group by snapshot_date
            ) as fresh_fingerprints
                on periods.snapshot_date = fresh_fingerprints.snapshot_date
    {%- endset -%}
    {%- set statuses = customer_segmentation.window_engine_compare(fresh_sql, 'snapshot_date', compare_as_of) -%}
    {%- set differing = (statuses.changed + statuses.new + statuses.removed) | sort -%}
    {%- if differing | length == 0 -%}
        {{ log('window engine: ' ~ this.identifier ~ ' has nothing to recompute', info=true) }}
        {%- do plan.update({'start_snapshot_date': '9999-12-31'}) -%}
        {{ return(plan) }}
    {%- endif -%}
    {%- set built = (statuses.same + statuses.changed) | sort -%}
    {%- set start = differing[0] -%}
    {%- set floor_applies = lookback > 0 and built | length > 0 and built[-1 * ([lookback, built | length] | min)] < start -%}
    {%- if floor_applies -%}
        {%- set start = built[-1 * ([lookback, built | length] | min)] -%}
    {%- endif -%}
    {%- set carried = statuses.same | select('lt', start) | list -%}
    {%- set reasons = [] -%}
    {%- for status, before, noun, after in [
        ('changed', 'changed inputs in ', 'built snapshot', ''),
        ('new', '', 'new snapshot', ''),
        ('removed', '', 'snapshot', ' no longer in the calendar, dropped'),
    ] if statuses[status] -%}
        {%- do reasons.append(before ~ customer_segmentation.window_engine_counted(statuses[status], noun, after)) -%}
    {%- endfor -%}
    {%- if floor_applies -%}
        {%- do reasons.append('at least the newest ' ~ lookback ~ ' built (rfm_lookback_periods)') -%}
    {%- endif -%}
    {{ log(
        'window engine: ' ~ this.identifier ~ ' recomputes from snapshot ' ~ start ~ ' (' ~ reasons | join('; ') ~ ')',
        info=true
    ) }}
    {%- do plan.update({
        'start_snapshot_date': start,
        'carry_snapshot_date': carried[-1] if carried else none,
    }) -%}
    {{ return(plan) }}
{%- endmacro %}


{#- How many snapshots or dates a run found in one state, and where they start, for its log line:
    "1 new snapshot 2026-01-31", "3 dates whose inputs changed, earliest 2025-04-02". `keys` is sorted. -#}
{% macro window_engine_counted(keys, noun, after='') -%}
    {%- set count = keys | length -%}
    {%- set phrase = count ~ ' ' ~ noun ~ ('s' if count != 1 else '') ~ after -%}
    {{ return(phrase ~ (' ' ~ keys[0] if count == 1 else ', earliest ' ~ keys[0])) }}
{%- endmacro %}


{#- Pre-hook of an incremental window-engine model: drops the stored snapshots the calendar no longer has
    (the first completed order cancelled, or the as-of date moved back), which a batch of new snapshots
    cannot replace. Renders nothing on a full build. -#}
{% macro window_engine_drop_removed_snapshots(periods_relation) -%}
    {%- if this is not none and execute and is_incremental() -%}
        {{ return(adapter.dispatch('window_engine_drop_removed_snapshots', 'customer_segmentation')(periods_relation)) }}
    {%- endif -%}
{%- endmacro %}

{% macro default__window_engine_drop_removed_snapshots(periods_relation) -%}
    delete from {{ this }}
    where snapshot_date not in (select snapshot_date from {{ periods_relation }})
{%- endmacro %}

{#- Spark's parquet tables have no delete: the removed snapshots' partitions are dropped one by one. -#}
{% macro spark__window_engine_drop_removed_snapshots(periods_relation) -%}
    {%- set removed_sql -%}
        select distinct cast(snapshot_date as string) as snapshot_date
        from {{ this }}
        where snapshot_date not in (select snapshot_date from {{ periods_relation }})
    {%- endset -%}
    {%- for row in run_query(removed_sql).rows -%}
        {%- do run_query("alter table " ~ this ~ " drop if exists partition (snapshot_date = '" ~ row[0] ~ "')") -%}
    {%- endfor -%}
{%- endmacro %}


{#- The dates int_customer_daily_activity rebuilds, decided when the model compiles: a dict whose `dates`
    holds the 'YYYY-MM-DD' texts of the dates whose activity fingerprint changed or that are new (none on a
    full build, empty when nothing differs), and one log line saying what the run rebuilds and why. Dates
    with no counted activity left are deleted by the model's pre-hook (window_engine_drop_removed_dates), as
    a batch cannot delete what it has no row for. -#}
{% macro window_engine_changed_dates(dates_relation) -%}
    {%- set plan = {'dates': none} -%}
    {%- if this is none or not (execute and is_incremental()) -%}
        {{ return(plan) }}
    {%- endif -%}
    {%- set fresh_sql -%}
            select
                window_date as key_date,
                activity_fingerprint as inputs_fingerprint
            from {{ dates_relation }}
            where has_activity
    {%- endset -%}
    {%- set statuses = customer_segmentation.window_engine_compare(fresh_sql, 'activity_date') -%}
    {%- set rebuilt = (statuses.changed + statuses.new) | sort -%}
    {%- set reasons = [] -%}
    {%- for status, noun, after in [
        ('changed', 'date', ' whose inputs changed'),
        ('new', 'new date', ''),
        ('removed', 'date', ' with no counted activity left, dropped'),
    ] if statuses[status] -%}
        {%- do reasons.append(customer_segmentation.window_engine_counted(statuses[status], noun, after)) -%}
    {%- endfor -%}
    {%- if reasons -%}
        {{ log('window engine: ' ~ this.identifier ~ ' rebuilds ' ~ rebuilt | length ~ ' date'
            ~ ('s' if rebuilt | length != 1 else '') ~ ' (' ~ reasons | join('; ') ~ ')', info=true) }}
    {%- else -%}
        {{ log('window engine: ' ~ this.identifier ~ ' has nothing to recompute', info=true) }}
    {%- endif -%}
    {%- do plan.update({'dates': rebuilt}) -%}
    {{ return(plan) }}
{%- endmacro %}


{#- Pre-hook of int_customer_daily_activity on an incremental run: deletes the stored dates that no longer
    have counted activity (every order of the day cancelled, or the as-of date moved back). Renders nothing
    on a full build, and on Spark, where the model is a table. -#}
{% macro window_engine_drop_removed_dates(dates_relation) -%}
    {%- if this is not none and execute and is_incremental() -%}
        delete from {{ this }}
        where activity_date not in (
            select window_date
            from {{ dates_relation }}
            where has_activity
        )
    {%- endif -%}
{%- endmacro %}


{#- A filter keeping the rows of `date_column` on the dates of a plan (window_engine_changed_dates); true on
    a full build. -#}
{% macro window_engine_dates_filter(date_column, plan) -%}
    {%- if plan.dates is none -%}
        true
    {%- elif plan.dates | length == 0 -%}
        false
    {%- else -%}
        {{ date_column }} in (
            {%- for date in plan.dates %}
            {{ customer_segmentation.window_engine_date(date) }}{{ ',' if not loop.last }}
            {%- endfor %}
        )
    {%- endif -%}
{%- endmacro %}


{#- A snapshot date from a plan as a SQL date literal. -#}
{% macro window_engine_date(text) -%}
    cast('{{ text }}' as date)
{%- endmacro %}
