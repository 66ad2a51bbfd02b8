namespace Venue.Central;
