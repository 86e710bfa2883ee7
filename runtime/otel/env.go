package otel

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// FromEnv configures tracing and metrics from the standard OpenTelemetry
// environment variables, with the OTLP/HTTP exporters, and returns the
// Instrumentation and a function that flushes and stops the exporters.
//
// Nothing is exported unless configured: traces are exported when
// OTEL_TRACES_EXPORTER is "otlp", or is unset while OTEL_EXPORTER_OTLP_ENDPOINT
// or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is set; metrics likewise with
// OTEL_METRICS_EXPORTER and the _METRICS_ endpoint; "none" turns either
// off. The exporters read the rest of their OTEL_EXPORTER_OTLP_*
// settings (headers, timeout, TLS) themselves; OTEL_SERVICE_NAME and
// OTEL_RESOURCE_ATTRIBUTES name the resource; sampling follows
// OTEL_TRACES_SAMPLER. The propagator is W3C trace context and baggage.
// With neither configured it returns a nil Instrumentation (whose methods
// do nothing: leave Options.Observer unset then, at no cost) and a stop
// that does nothing.
func FromEnv(ctx context.Context, serviceName string) (*Instrumentation, func(context.Context) error, error) {
	opts := &Options{Propagator: propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})}
	var stops []func(context.Context) error
	stop := func(ctx context.Context) error {
		var errs []error
		for i := len(stops) - 1; i >= 0; i-- {
			errs = append(errs, stops[i](ctx))
		}
		return errors.Join(errs...)
	}
	traces, err := wanted("OTEL_TRACES_EXPORTER", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
	if err != nil {
		return nil, nil, err
	}
	metrics, err := wanted("OTEL_METRICS_EXPORTER", "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT")
	if err != nil {
		return nil, nil, err
	}
	if !traces && !metrics {
		return nil, stop, nil
	}
	res, err := resource.Merge(resource.Default(), resource.Environment())
	if err != nil {
		return nil, nil, fmt.Errorf("otel: resource: %w", err)
	}
	if os.Getenv("OTEL_SERVICE_NAME") == "" && serviceName != "" {
		res, _ = resource.Merge(res, resource.NewSchemaless(serviceNameKey.String(serviceName)))
	}
	if traces {
		exp, err := otlptracehttp.New(ctx)
		if err != nil {
			return nil, nil, fmt.Errorf("otel: OTLP trace exporter: %w", err)
		}
		tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res))
		opts.TracerProvider = tp
		stops = append(stops, tp.Shutdown)
	}
	if metrics {
		exp, err := otlpmetrichttp.New(ctx)
		if err != nil {
			stop(ctx)
			return nil, nil, fmt.Errorf("otel: OTLP metric exporter: %w", err)
		}
		mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewPeriodicReader(exp)), sdkmetric.WithResource(res))
		opts.MeterProvider = mp
		stops = append(stops, mp.Shutdown)
	}
	otel.SetTextMapPropagator(opts.Propagator)
	in, err := New(opts)
	if err != nil {
		stop(ctx)
		return nil, nil, err
	}
	return in, stop, nil
}

// wanted reports whether the signal whose exporter variable is exporterVar
// is to be exported over OTLP.
func wanted(exporterVar, endpointVar string) (bool, error) {
	switch v := strings.TrimSpace(os.Getenv(exporterVar)); v {
	case "otlp":
		return true, nil
	case "none":
		return false, nil
	case "":
		return os.Getenv("OTEL_EXPORTER_OTLP_ENDPOINT") != "" || os.Getenv(endpointVar) != "", nil
	default:
		return false, fmt.Errorf("otel: %s=%q: only otlp and none are supported", exporterVar, v)
	}
}
