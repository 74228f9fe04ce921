public class Address {
    private String city; private String zip;
    public Address() {}
    public String getCity() { return city; } public void setCity(String v) { city = v; }
    public String getZip() { return zip; } public void setZip(String v) { zip = v; }
}
