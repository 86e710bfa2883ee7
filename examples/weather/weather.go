// Package weather is an example MCP server package built with mcpgen: tools
// that forecast the weather, compare cities and convert temperatures, a
// resource template describing each city, and a trip-planning prompt.
//
// The functions here are plain Go; mcp_gen.go, written by `go generate`,
// registers them (Components). The command in ./cmd/weather serves them on
// their own; examples/composed mounts them beside other servers.
package weather

//go:generate go run github.com/mcpgen/mcpgen/cmd/mcpgen

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"sort"
	"strings"
	"time"
)

// Instructions tell a client what the weather server is for; pass them in
// runtime.Options when serving Components.
const Instructions = "Weather forecasts and climate data for major cities. Call forecast for a city's next days."

// Units selects the unit system of temperatures and wind speeds.
type Units string

// The unit systems a forecast can be given in.
const (
	Metric   Units = "metric"   // °C and km/h
	Imperial Units = "imperial" // °F and mph
)

// ForecastArgs are the arguments of the forecast tool.
type ForecastArgs struct {
	City  string `json:"city" mcp:"minLength=1,desc='City name, for example Paris or Tokyo'"`
	Days  int    `json:"days,omitempty" mcp:"min=1,max=14,default=3,desc=Number of days to forecast"`
	Units Units  `json:"units,omitempty" mcp:"default=metric"`
}

// Report is a multi-day forecast for one city.
type Report struct {
	City    string        `json:"city"`
	Country string        `json:"country"`
	Units   Units         `json:"units"`
	Issued  time.Time     `json:"issued"`
	Days    []DayForecast `json:"days"`
}

// DayForecast is the forecast for one day.
type DayForecast struct {
	Date          string  `json:"date" mcp:"format=date"`
	Condition     string  `json:"condition"`
	High          float64 `json:"high" mcp:"desc=Daily high temperature"`
	Low           float64 `json:"low" mcp:"desc=Daily low temperature"`
	Precipitation int     `json:"precipitation" mcp:"min=0,max=100,desc=Chance of precipitation in percent"`
	Wind          float64 `json:"wind" mcp:"desc=Mean wind speed"`
}

// Forecast returns the daily weather forecast for a city: conditions, high
// and low temperatures, chance of precipitation and wind.
//
//mcp:tool version=2.0 tags=weather readonly idempotent timeout=10s
func Forecast(ctx context.Context, in ForecastArgs) (Report, error) {
	c, err := lookup(in.City)
	if err != nil {
		return Report{}, err
	}
	today := now().UTC().Truncate(24 * time.Hour)
	r := Report{City: c.Name, Country: c.Country, Units: in.Units, Issued: today}
	for d := range in.Days {
		if err := ctx.Err(); err != nil {
			return Report{}, err
		}
		r.Days = append(r.Days, c.day(today.AddDate(0, 0, d), in.Units))
	}
	return r, nil
}

// ConvertArgs are the arguments of the convert_temperature tool.
type ConvertArgs struct {
	Value float64 `json:"value" mcp:"min=-273.15,desc=Temperature to convert"`
	From  Scale   `json:"from"`
	To    Scale   `json:"to"`
}

// Scale is a temperature scale.
type Scale string

// The temperature scales convert_temperature understands.
const (
	Celsius    Scale = "celsius"
	Fahrenheit Scale = "fahrenheit"
	Kelvin     Scale = "kelvin"
)

// Temperature is a temperature on a given scale.
type Temperature struct {
	Value float64 `json:"value"`
	Scale Scale   `json:"scale"`
}

// ConvertTemperature converts a temperature between Celsius, Fahrenheit
// and Kelvin.
//
//mcp:tool tags=units readonly idempotent
func ConvertTemperature(ctx context.Context, in ConvertArgs) (Temperature, error) {
	var kelvin float64
	switch in.From {
	case Celsius:
		kelvin = in.Value + 273.15
	case Fahrenheit:
		kelvin = (in.Value-32)*5/9 + 273.15
	case Kelvin:
		kelvin = in.Value
	}
	if kelvin < 0 {
		return Temperature{}, fmt.Errorf("%g %s is below absolute zero", in.Value, in.From)
	}
	out := Temperature{Scale: in.To}
	switch in.To {
	case Celsius:
		out.Value = kelvin - 273.15
	case Fahrenheit:
		out.Value = (kelvin-273.15)*9/5 + 32
	case Kelvin:
		out.Value = kelvin
	}
	out.Value = math.Round(out.Value*100) / 100
	return out, nil
}

// CompareArgs are the arguments of the compare_cities tool.
type CompareArgs struct {
	Cities []string `json:"cities" mcp:"minItems=2,maxItems=5,desc=Cities to compare"`
	Date   string   `json:"date,omitempty" mcp:"format=date,pattern=^[0-9]{4}-[0-9]{2}-[0-9]{2}$,desc=Day to compare (YYYY-MM-DD); today when omitted"`
}

// Comparison ranks cities by their forecast high temperature on one day.
type Comparison struct {
	Date    string          `json:"date"`
	Warmest string          `json:"warmest"`
	Ranking []CityDayReport `json:"ranking"`
}

// CityDayReport is one city's forecast in a comparison.
type CityDayReport struct {
	City string `json:"city"`
	DayForecast
}

// CompareCities compares the forecast of several cities on one day, warmest
// first, in metric units.
//
//mcp:tool tags=weather readonly
func CompareCities(ctx context.Context, in CompareArgs) (Comparison, error) {
	day := now().UTC().Truncate(24 * time.Hour)
	if in.Date != "" {
		d, err := time.Parse(time.DateOnly, in.Date)
		if err != nil {
			return Comparison{}, fmt.Errorf("date %q: %v", in.Date, err)
		}
		day = d
	}
	out := Comparison{Date: day.Format(time.DateOnly)}
	for _, name := range in.Cities {
		c, err := lookup(name)
		if err != nil {
			return Comparison{}, err
		}
		out.Ranking = append(out.Ranking, CityDayReport{City: c.Name, DayForecast: c.day(day, Metric)})
	}
	sort.SliceStable(out.Ranking, func(i, j int) bool { return out.Ranking[i].High > out.Ranking[j].High })
	out.Warmest = out.Ranking[0].City
	return out, nil
}

// CityInfo describes a city the server knows about.
type CityInfo struct {
	Name      string  `json:"name"`
	Country   string  `json:"country"`
	Latitude  float64 `json:"latitude"`
	Longitude float64 `json:"longitude"`
	Timezone  string  `json:"timezone"`
	// Normals are the mean daily high and low per month, January first, in °C.
	Normals [12][2]float64 `json:"normals"`
}

// City returns what the server knows about a city: coordinates, time zone
// and monthly climate normals.
//
//mcp:resource uri=weather://cities/{name} mime=application/json
func City(ctx context.Context, name string) (CityInfo, error) {
	c, err := lookup(name)
	if err != nil {
		return CityInfo{}, err
	}
	return c.CityInfo, nil
}

// Cities lists the cities the server has climate data for, one per line.
//
//mcp:resource uri=weather://cities mime=text/plain
func Cities(ctx context.Context) (string, error) {
	var b strings.Builder
	for _, c := range cities {
		fmt.Fprintf(&b, "%s, %s\n", c.Name, c.Country)
	}
	return b.String(), nil
}

// TripArgs are the arguments of the plan_trip prompt.
type TripArgs struct {
	City     string `json:"city" mcp:"desc=Destination city"`
	Activity string `json:"activity,omitempty" mcp:"desc='What you want to do there, e.g. hiking'"`
}

// PlanTrip asks the model to plan a trip around the forecast for a city.
//
//mcp:prompt
func PlanTrip(ctx context.Context, in TripArgs) (string, error) {
	activity := in.Activity
	if activity == "" {
		activity = "sightseeing"
	}
	return fmt.Sprintf("I am going to %s for %s. Call the forecast tool for %s, "+
		"then suggest which days suit %s best and what to pack.", in.City, activity, in.City, activity), nil
}

// now is the clock, replaceable in tests.
var now = time.Now

type city struct {
	CityInfo
	wetness float64 // 0..1, how often it rains
}

var cities = []city{
	{CityInfo{"Amsterdam", "NL", 52.37, 4.90, "Europe/Amsterdam", [12][2]float64{{6, 1}, {7, 1}, {10, 3}, {14, 5}, {18, 9}, {20, 12}, {23, 14}, {22, 14}, {19, 11}, {15, 8}, {10, 4}, {7, 2}}}, 0.55},
	{CityInfo{"Cairo", "EG", 30.04, 31.24, "Africa/Cairo", [12][2]float64{{19, 9}, {21, 10}, {24, 12}, {28, 15}, {32, 18}, {34, 21}, {35, 22}, {35, 22}, {33, 21}, {30, 18}, {25, 14}, {21, 11}}}, 0.03},
	{CityInfo{"London", "GB", 51.51, -0.13, "Europe/London", [12][2]float64{{8, 2}, {9, 2}, {12, 4}, {15, 6}, {18, 9}, {21, 12}, {24, 14}, {23, 14}, {20, 12}, {16, 9}, {11, 5}, {9, 3}}}, 0.5},
	{CityInfo{"Mumbai", "IN", 19.08, 72.88, "Asia/Kolkata", [12][2]float64{{31, 19}, {31, 20}, {33, 23}, {33, 25}, {34, 27}, {32, 27}, {30, 26}, {29, 25}, {30, 25}, {33, 24}, {34, 22}, {32, 20}}}, 0.35},
	{CityInfo{"New York", "US", 40.71, -74.01, "America/New_York", [12][2]float64{{4, -3}, {6, -2}, {10, 2}, {17, 7}, {22, 13}, {27, 18}, {29, 21}, {29, 21}, {25, 17}, {18, 11}, {12, 5}, {7, 0}}}, 0.35},
	{CityInfo{"Paris", "FR", 48.86, 2.35, "Europe/Paris", [12][2]float64{{7, 3}, {9, 3}, {13, 5}, {16, 7}, {20, 11}, {23, 14}, {25, 16}, {25, 16}, {21, 13}, {16, 10}, {11, 6}, {8, 4}}}, 0.4},
	{CityInfo{"Reykjavik", "IS", 64.15, -21.94, "Atlantic/Reykjavik", [12][2]float64{{2, -3}, {3, -3}, {3, -2}, {6, 0}, {9, 4}, {12, 7}, {14, 9}, {13, 8}, {11, 6}, {7, 2}, {4, -1}, {3, -3}}}, 0.6},
	{CityInfo{"São Paulo", "BR", -23.55, -46.63, "America/Sao_Paulo", [12][2]float64{{28, 19}, {28, 19}, {28, 18}, {26, 17}, {24, 14}, {23, 13}, {23, 12}, {24, 13}, {25, 14}, {26, 16}, {27, 17}, {27, 18}}}, 0.45},
	{CityInfo{"Sydney", "AU", -33.87, 151.21, "Australia/Sydney", [12][2]float64{{26, 19}, {26, 19}, {25, 18}, {23, 15}, {20, 12}, {18, 9}, {17, 8}, {19, 9}, {21, 11}, {23, 14}, {24, 16}, {25, 18}}}, 0.35},
	{CityInfo{"Tokyo", "JP", 35.68, 139.69, "Asia/Tokyo", [12][2]float64{{10, 1}, {11, 2}, {14, 5}, {19, 10}, {23, 15}, {26, 19}, {30, 23}, {31, 24}, {27, 21}, {22, 15}, {17, 9}, {12, 4}}}, 0.4},
}

// errUnknownCity is wrapped by lookup's errors.
var errUnknownCity = errors.New("unknown city")

func lookup(name string) (*city, error) {
	for i := range cities {
		if strings.EqualFold(cities[i].Name, strings.TrimSpace(name)) {
			return &cities[i], nil
		}
	}
	known := make([]string, len(cities))
	for i, c := range cities {
		known[i] = c.Name
	}
	return nil, fmt.Errorf("%w %q; known cities: %s", errUnknownCity, name, strings.Join(known, ", "))
}

// day derives a plausible forecast from the climate normals, varied
// deterministically by city and date so that repeated calls agree.
func (c *city) day(date time.Time, units Units) DayForecast {
	h := fnv.New64a()
	fmt.Fprintf(h, "%s|%s", c.Name, date.Format(time.DateOnly))
	seed := h.Sum64()
	noise := func(shift uint) float64 { return float64((seed>>shift)&0xff)/255*2 - 1 } // -1..1

	normal := c.Normals[date.Month()-1]
	high := normal[0] + 4*noise(0)
	low := math.Min(normal[1]+3*noise(8), high-1)
	rain := math.Max(0, math.Min(1, c.wetness+0.4*noise(16)))
	wind := 8 + 12*(noise(24)+1)/2

	condition := "sunny"
	switch {
	case rain > 0.75 && high < 1:
		condition = "snow"
	case rain > 0.75:
		condition = "rain"
	case rain > 0.55:
		condition = "showers"
	case rain > 0.35:
		condition = "cloudy"
	case rain > 0.2:
		condition = "partly cloudy"
	}
	if units == Imperial {
		high, low, wind = high*9/5+32, low*9/5+32, wind/1.609
	}
	round := func(v float64) float64 { return math.Round(v*10) / 10 }
	return DayForecast{
		Date:          date.Format(time.DateOnly),
		Condition:     condition,
		High:          round(high),
		Low:           round(low),
		Precipitation: int(math.Round(rain * 100)),
		Wind:          round(wind),
	}
}

// CompleteTripCity suggests the cities plan_trip knows, by prefix.
//
//mcp:complete prompt=plan_trip arg=city
func CompleteTripCity(ctx context.Context, prefix string) ([]string, error) {
	return cityNames(prefix), nil
}

// CompleteCityName suggests the city names of weather://cities/{name}.
//
//mcp:complete resource=weather://cities/{name} arg=name
func CompleteCityName(ctx context.Context, prefix string) ([]string, error) {
	return cityNames(prefix), nil
}

// cityNames returns the known cities whose name starts with prefix,
// ignoring case.
func cityNames(prefix string) []string {
	var out []string
	for _, c := range cities {
		if strings.HasPrefix(strings.ToLower(c.Name), strings.ToLower(prefix)) {
			out = append(out, c.Name)
		}
	}
	return out
}
