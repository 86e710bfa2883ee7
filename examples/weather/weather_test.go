package weather

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// The annotated functions are plain Go: tests call them directly.

func fixedNow(t *testing.T) {
	t.Helper()
	old := now
	now = func() time.Time { return time.Date(2026, time.July, 14, 15, 4, 5, 0, time.UTC) }
	t.Cleanup(func() { now = old })
}

func TestForecast(t *testing.T) {
	fixedNow(t)
	r, err := Forecast(context.Background(), ForecastArgs{City: "paris", Days: 3, Units: Metric})
	if err != nil {
		t.Fatal(err)
	}
	if r.City != "Paris" || r.Country != "FR" || len(r.Days) != 3 {
		t.Fatalf("got %+v", r)
	}
	if r.Days[0].Date != "2026-07-14" || r.Days[2].Date != "2026-07-16" {
		t.Errorf("dates = %s..%s", r.Days[0].Date, r.Days[2].Date)
	}
	for _, d := range r.Days {
		// July normals in Paris are 25/16 °C; the model varies them by at most 4/3 degrees.
		if d.High < 21 || d.High > 29 || d.Low > d.High || d.Precipitation < 0 || d.Precipitation > 100 {
			t.Errorf("implausible day %+v", d)
		}
	}
	again, _ := Forecast(context.Background(), ForecastArgs{City: "Paris", Days: 3, Units: Metric})
	if again.Days[1] != r.Days[1] {
		t.Errorf("forecast is not deterministic: %+v vs %+v", again.Days[1], r.Days[1])
	}

	f, _ := Forecast(context.Background(), ForecastArgs{City: "Paris", Days: 1, Units: Imperial})
	if want := r.Days[0].High*9/5 + 32; f.Days[0].High < want-0.2 || f.Days[0].High > want+0.2 {
		t.Errorf("imperial high = %v, want about %v", f.Days[0].High, want)
	}
}

func TestForecastUnknownCity(t *testing.T) {
	_, err := Forecast(context.Background(), ForecastArgs{City: "Atlantis", Days: 1})
	if !errors.Is(err, errUnknownCity) || !strings.Contains(err.Error(), "Tokyo") {
		t.Fatalf("err = %v", err)
	}
}

func TestConvertTemperature(t *testing.T) {
	for _, tc := range []struct {
		in   ConvertArgs
		want float64
	}{
		{ConvertArgs{100, Celsius, Fahrenheit}, 212},
		{ConvertArgs{32, Fahrenheit, Celsius}, 0},
		{ConvertArgs{0, Kelvin, Celsius}, -273.15},
		{ConvertArgs{-40, Celsius, Fahrenheit}, -40},
	} {
		got, err := ConvertTemperature(context.Background(), tc.in)
		if err != nil || got.Value != tc.want || got.Scale != tc.in.To {
			t.Errorf("%+v: got %+v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
	if _, err := ConvertTemperature(context.Background(), ConvertArgs{-500, Fahrenheit, Celsius}); err == nil {
		t.Error("-500 °F converted without error")
	}
}

func TestCompareCities(t *testing.T) {
	fixedNow(t)
	c, err := CompareCities(context.Background(), CompareArgs{Cities: []string{"Reykjavik", "Cairo", "London"}, Date: "2026-01-10"})
	if err != nil {
		t.Fatal(err)
	}
	if c.Warmest != "Cairo" || len(c.Ranking) != 3 || c.Ranking[2].City != "Reykjavik" {
		t.Errorf("got %+v", c)
	}
	if _, err := CompareCities(context.Background(), CompareArgs{Cities: []string{"Paris", "Gotham"}}); !errors.Is(err, errUnknownCity) {
		t.Errorf("unknown city: err = %v", err)
	}
}

func TestCityAndCities(t *testing.T) {
	info, err := City(context.Background(), "tokyo")
	if err != nil || info.Name != "Tokyo" || info.Timezone != "Asia/Tokyo" {
		t.Fatalf("City(tokyo) = %+v, %v", info, err)
	}
	list, err := Cities(context.Background())
	if err != nil || strings.Count(list, "\n") != len(cities) || !strings.Contains(list, "São Paulo, BR") {
		t.Fatalf("Cities() = %q, %v", list, err)
	}
}

func TestPlanTrip(t *testing.T) {
	p, _ := PlanTrip(context.Background(), TripArgs{City: "Sydney"})
	if !strings.Contains(p, "Sydney") || !strings.Contains(p, "sightseeing") {
		t.Errorf("got %q", p)
	}
}

func TestCityCompletion(t *testing.T) {
	got, err := CompleteTripCity(context.Background(), "s")
	if err != nil || strings.Join(got, ",") != "São Paulo,Sydney" {
		t.Errorf("completions for s = %v, %v", got, err)
	}
	if got, _ := CompleteCityName(context.Background(), ""); len(got) != len(cities) {
		t.Errorf("empty prefix completes to %d cities, want all %d", len(got), len(cities))
	}
}
