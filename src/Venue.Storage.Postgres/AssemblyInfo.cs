namespace Venue.Storage.Postgres;
