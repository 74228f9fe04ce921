import java.math.BigDecimal;
public class Customer {
    private String id; private String name; private BigDecimal balance; private String[] tags; private Address address; private int visits;
    public Customer() {}
    public String getId() { return id; } public void setId(String v) { id = v; }
    public String getName() { return name; } public void setName(String v) { name = v; }
    public BigDecimal getBalance() { return balance; } public void setBalance(BigDecimal v) { balance = v; }
    public String[] getTags() { return tags; } public void setTags(String[] v) { tags = v; }
    public Address getAddress() { return address; } public void setAddress(Address v) { address = v; }
    public int getVisits() { return visits; } public void setVisits(int v) { visits = v; }
}
