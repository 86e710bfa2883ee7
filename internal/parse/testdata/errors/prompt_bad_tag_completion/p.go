package p

import "context"

// TripArgs has a bad tag.
type TripArgs struct {
	City string `json:"city" mcp:"minLenght=1"`
}

// Trip plans a trip.
//
//mcp:prompt
func Trip(ctx context.Context, in TripArgs) (string, error) { return "", nil }

// CompleteCity completes the city of trip: no follow-on error, since the
// prompt's arguments could not be read.
//
//mcp:complete prompt=trip arg=city
func CompleteCity(ctx context.Context, prefix string) ([]string, error) { return nil, nil }
