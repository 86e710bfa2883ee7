package e2e

import (
	"context"
	"errors"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/mcpgen/mcpgen/examples/weather/weatherclient"
	"github.com/mcpgen/mcpgen/runtime/client"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// The generated typed client of examples/weather, against the weather
// server over stdio and over HTTP.
func TestTypedClient(t *testing.T) {
	bin := buildBinary(t, "../examples/weather/cmd/weather")
	for _, transport := range []string{"stdio", "http"} {
		t.Run(transport, func(t *testing.T) {
			t.Parallel()
			var tr mcp.Transport = &mcp.CommandTransport{Command: exec.Command(bin)}
			if transport == "http" {
				tr = &mcp.StreamableClientTransport{Endpoint: startHTTP(t, bin)}
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			cs, err := mcp.NewClient(&mcp.Implementation{Name: "typed", Version: "1"}, nil).Connect(ctx, tr, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer cs.Close()
			c := weatherclient.New(cs)

			r, err := c.Forecast(ctx, weatherclient.ForecastArgs{City: "paris", Days: 2, Units: "imperial"})
			if err != nil || r.City != "Paris" || r.Country != "FR" || len(r.Days) != 2 || r.Units != "imperial" || r.Issued.IsZero() {
				t.Errorf("forecast = %+v, %v", r, err)
			}
			// Zero Days and Units are omitted, so the server's defaults apply.
			r, err = c.Forecast(ctx, weatherclient.ForecastArgs{City: "Tokyo"})
			if err != nil || len(r.Days) != 3 || r.Units != "metric" {
				t.Errorf("forecast with defaults = %d days, %q, %v", len(r.Days), r.Units, err)
			}
			temp, err := c.ConvertTemperature(ctx, weatherclient.ConvertArgs{Value: 100, From: "celsius", To: "fahrenheit"})
			if err != nil || temp.Value != 212 || temp.Scale != "fahrenheit" {
				t.Errorf("convert = %+v, %v", temp, err)
			}
			cmp, err := c.CompareCities(ctx, weatherclient.CompareArgs{Cities: []string{"Reykjavik", "Cairo"}, Date: "2026-01-10"})
			if err != nil || cmp.Warmest != "Cairo" || len(cmp.Ranking) != 2 || cmp.Ranking[0].High < cmp.Ranking[1].High {
				t.Errorf("compare = %+v, %v", cmp, err)
			}
			_, err = c.CompareCities(ctx, weatherclient.CompareArgs{Cities: []string{"Paris"}})
			var te *client.ToolError
			if !errors.As(err, &te) || te.Text != "invalid arguments: cities: must have at least 2 items, not 1" {
				t.Errorf("compare one city: %v", err)
			}
			_, err = c.Forecast(ctx, weatherclient.ForecastArgs{City: "Atlantis"})
			if !errors.As(err, &te) || !strings.Contains(te.Text, `unknown city "Atlantis"`) {
				t.Errorf("unknown city: %v", err)
			}
			list, err := c.Cities(ctx)
			if err != nil || !strings.Contains(list, "Tokyo, JP") {
				t.Errorf("cities = %q, %v", list, err)
			}
			info, err := c.City(ctx, "São Paulo")
			if err != nil || info.Country != "BR" || info.Normals[0][0] != 28 {
				t.Errorf("city = %+v, %v", info, err)
			}
			prompt, err := c.PlanTrip(ctx, weatherclient.TripArgs{City: "Lisbon"})
			if err != nil || !strings.Contains(prompt.Messages[0].Content.(*mcp.TextContent).Text, "going to Lisbon for sightseeing") {
				t.Errorf("plan_trip = %+v, %v", prompt, err)
			}
		})
	}
}
