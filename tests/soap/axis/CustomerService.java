import java.math.BigDecimal;
public class CustomerService {
    public Customer getCustomer(String id) throws UnknownCustomerFault {
        if (!id.startsWith("C")) throw new UnknownCustomerFault(id);
        Customer c = new Customer(); c.setId(id); c.setName("Ada Lovelace");
        c.setBalance(new BigDecimal("12345678901234567.10")); c.setTags(new String[] {"gold", "emea"});
        Address a = new Address(); a.setCity("London"); a.setZip("N1"); c.setAddress(a); c.setVisits(7);
        return c;
    }
    public String[] listTags(int count) { String[] r = new String[count]; for (int i = 0; i < count; i++) r[i] = "t" + i; return r; }
    public Customer[] twins(String id) throws UnknownCustomerFault { Customer c = getCustomer(id); return new Customer[] {c, c}; }
    public BigDecimal total(BigDecimal[] amounts) { BigDecimal s = BigDecimal.ZERO; for (BigDecimal a : amounts) s = s.add(a); return s; }
    public Customer save(Customer c) { return c; }
}
