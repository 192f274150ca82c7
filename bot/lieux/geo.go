package lieux

import "math"

// Position is a point in WGS84 degrees.
type Position struct{ Lat, Lon float64 }

// earthKm is the mean radius of the Earth (IUGG), in kilometres.
const earthKm = 6371.0088

// DistanceKm is the great-circle distance between two positions
// (haversine), in kilometres.
func DistanceKm(a, b Position) float64 {
	rad := math.Pi / 180
	dLat, dLon := (b.Lat-a.Lat)*rad, (b.Lon-a.Lon)*rad
	h := math.Sin(dLat/2)*math.Sin(dLat/2) +
		math.Cos(a.Lat*rad)*math.Cos(b.Lat*rad)*math.Sin(dLon/2)*math.Sin(dLon/2)
	return 2 * earthKm * math.Asin(math.Min(1, math.Sqrt(h)))
}

// ValidPostcode reports whether s is written as a French postcode (5 digits).
func ValidPostcode(s string) bool {
	if len(s) != 5 {
		return false
	}
	for i := range 5 {
		if !digit(s[i]) {
			return false
		}
	}
	return true
}

// Department is the department of a postcode: its first two digits; 2A or
// 2B in Corsica (20000–20199 Corse-du-Sud, 20200–20999 Haute-Corse); three
// digits overseas (971 Guadeloupe … 976 Mayotte, 975 Saint-Pierre-et-
// Miquelon, 977–978, 986–988). "" when s is not a postcode.
func Department(postcode string) string {
	if !ValidPostcode(postcode) {
		return ""
	}
	switch d := postcode[:2]; d {
	case "20":
		if postcode[2] < '2' {
			return "2A"
		}
		return "2B"
	case "97", "98":
		return postcode[:3]
	default:
		return d
	}
}

// Located is where the learner is taken to be, and how it was found.
type Located struct {
	Postcode string
	Position Position
	// By is "postcode" (the mean of the places with that postcode),
	// "department" (the mean of the places of its department), or "" when
	// no place tells where the postcode is.
	By     string
	Places int // how many places the mean was taken over
}

// Locate finds a postcode's position from the places themselves: the mean
// position of the places with that postcode, else of the places of its
// department; By is "" when neither has a place with coordinates.
func Locate(places []Place, postcode string) Located {
	loc := Located{Postcode: postcode}
	dept := Department(postcode)
	var same, dep meanPos
	for _, p := range places {
		pos, ok := p.Position()
		if !ok {
			continue
		}
		if p.CodePostal == postcode {
			same.add(pos)
		}
		if dept != "" && Department(p.CodePostal) == dept {
			dep.add(pos)
		}
	}
	switch {
	case same.n > 0:
		loc.Position, loc.By, loc.Places = same.mean(), "postcode", same.n
	case dep.n > 0:
		loc.Position, loc.By, loc.Places = dep.mean(), "department", dep.n
	}
	return loc
}

type meanPos struct {
	lat, lon float64
	n        int
}

func (m *meanPos) add(p Position) { m.lat += p.Lat; m.lon += p.Lon; m.n++ }
func (m meanPos) mean() Position {
	return Position{m.lat / float64(m.n), m.lon / float64(m.n)}
}
